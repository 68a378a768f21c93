/** How the gateway obtains its own access token for an HTTP upstream (the validated `upstreams.<n>.auth`). */
export interface UpstreamAuthSpec {
  readonly type: 'oauth-client-credentials' | 'oauth-refresh-token';
  readonly tokenUrl?: string;
  readonly issuer?: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly clientAuth: 'client_secret_basic' | 'client_secret_post' | 'none';
  readonly scope?: string;
  readonly audience?: string;
  readonly resource?: string;
  readonly refreshToken?: string;
  readonly refreshBeforeMs: number;
  readonly timeoutMs: number;
}

/** A source of the bearer token an upstream expects (one per upstream, shared by its connections). */
export interface BearerSource {
  /** The token to send now: the held one while valid (a due renewal starts in the background), else a fresh one. */
  token(): Promise<string>;
  /** The upstream refused `stale` (HTTP 401): a renewed token (single flight; one already newer is returned as is). */
  rejected(stale: string): Promise<string>;
}
