import * as oauth from 'oauth4webapi';
import type { UpstreamAuthSpec } from './auth-spec.js';

/** What one token request gave. */
export interface Granted {
  readonly accessToken: string;
  /** Lifetime from the response's `expires_in`; undefined when the server did not say. */
  readonly expiresInMs: number | undefined;
  /** A rotated refresh token, when the server sent one. */
  readonly refreshToken: string | undefined;
}

/** The authorization server's metadata: from discovery (`issuer`) or just the configured token endpoint. */
export async function authorizationServer(auth: UpstreamAuthSpec, signal: AbortSignal): Promise<oauth.AuthorizationServer> {
  if (auth.tokenUrl !== undefined) return { issuer: new URL(auth.tokenUrl).origin, token_endpoint: auth.tokenUrl };
  const issuer = new URL(auth.issuer!);
  const res = await oauth.discoveryRequest(issuer, {
    algorithm: 'oauth2',
    signal,
    [oauth.allowInsecureRequests]: issuer.protocol === 'http:',
  });
  return oauth.processDiscoveryResponse(issuer, res);
}

function clientAuth(auth: UpstreamAuthSpec): oauth.ClientAuth {
  if (auth.clientAuth === 'none') return oauth.None();
  const secret = auth.clientSecret ?? '';
  return auth.clientAuth === 'client_secret_post' ? oauth.ClientSecretPost(secret) : oauth.ClientSecretBasic(secret);
}

/** The optional parameters both grants send: scope, audience, RFC 8707 resource. */
function extraParameters(auth: UpstreamAuthSpec): Record<string, string> {
  const p: Record<string, string> = {};
  if (auth.scope !== undefined) p.scope = auth.scope;
  if (auth.audience !== undefined) p.audience = auth.audience;
  if (auth.resource !== undefined) p.resource = auth.resource;
  return p;
}

/** One token request (client credentials, or refresh with `refreshToken`), validated by oauth4webapi. */
export async function requestToken(
  as: oauth.AuthorizationServer,
  auth: UpstreamAuthSpec,
  refreshToken: string | undefined,
  signal: AbortSignal,
): Promise<Granted> {
  const client: oauth.Client = { client_id: auth.clientId };
  const insecure = new URL(as.token_endpoint!).protocol === 'http:';
  const options = { signal, [oauth.allowInsecureRequests]: insecure };
  let result: oauth.TokenEndpointResponse;
  if (auth.type === 'oauth-client-credentials') {
    const res = await oauth.clientCredentialsGrantRequest(as, client, clientAuth(auth), extraParameters(auth), options);
    result = await oauth.processClientCredentialsResponse(as, client, res);
  } else {
    const res = await oauth.refreshTokenGrantRequest(as, client, clientAuth(auth), refreshToken ?? '', {
      ...options,
      additionalParameters: extraParameters(auth),
    });
    result = await oauth.processRefreshTokenResponse(as, client, res);
  }
  return {
    accessToken: result.access_token,
    expiresInMs: typeof result.expires_in === 'number' ? result.expires_in * 1000 : undefined,
    refreshToken: result.refresh_token,
  };
}

/** Why a token request failed, without any credential: the OAuth error code and status, or the transport reason. */
export function grantFailure(err: unknown): { reason: string; oauthError?: string } {
  if (err instanceof oauth.ResponseBodyError) {
    const description = typeof err.error_description === 'string' ? ` (${err.error_description.slice(0, 200)})` : '';
    return { reason: `HTTP ${err.status} ${err.error}${description}`, oauthError: err.error };
  }
  if (err instanceof Error && err.name === 'TimeoutError') return { reason: 'the token request timed out' };
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return { reason: `${err instanceof Error ? err.message : String(err)}${cause}` };
}
