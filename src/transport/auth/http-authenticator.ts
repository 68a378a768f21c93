import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/index.js';
import { GatewayError } from '../../errors/index.js';
import type { AuthenticationEvent, Channel } from '../../observability/index.js';
import type { Principal } from '../../pipeline/index.js';
import { ANONYMOUS } from '../../session/index.js';
import { sendError } from '../http/send-error.js';
import { keyIdOf, looksLikeApiKey } from './api-key.js';
import type { AuthResult, TokenVerifier } from './auth-result.js';

type Refusal = Extract<AuthResult, { ok: false }>;
import { bearerChallenge } from './challenge.js';
import type { FailureGuard } from './failure-guard.js';

export interface HttpAuthenticatorOptions {
  /** Callers without any credential proceed as the anonymous principal. */
  readonly anonymous: boolean;
  /** Header carrying API keys besides `Authorization: Bearer` (lower case), e.g. `x-api-key`; undefined: none. */
  readonly apiKeyHeader: string | undefined;
  readonly apiKeys: TokenVerifier | undefined;
  readonly jwt: TokenVerifier | undefined;
  readonly introspection: TokenVerifier | undefined;
  /** Scopes every OAuth token (JWT, introspection) must carry; API keys carry roles, not scopes. */
  readonly requiredScopes: readonly string[];
  /** RFC 9728 metadata URL named in challenges, when the gateway publishes one. */
  readonly metadataUrl: string | undefined;
  readonly guard: FailureGuard;
  readonly channel: Channel<AuthenticationEvent> | undefined;
  readonly log: Logger;
}

const principals = new WeakMap<IncomingMessage, Principal>();

/**
 * The principal the edge established for this request. Throws when authentication never ran for it: a
 * request that skipped the edge must fail closed, never proceed as anonymous.
 */
export function principalOf(req: IncomingMessage): Principal {
  const principal = principals.get(req);
  if (principal === undefined) throw new GatewayError('GW_UNAUTHENTICATED', 'Unauthorized: the request was not authenticated');
  return principal;
}

/**
 * Authentication at the transport edge (ADR 0020): reads headers only and runs before the body is read,
 * so an unauthenticated caller costs no body parsing. On success the principal is attached to the request
 * (`principalOf`); on failure the response is written here (401 with the Bearer challenge, 403
 * insufficient_scope, 429 while blocked) and the connection is closed if a body was coming.
 */
export class HttpAuthenticator {
  constructor(private readonly options: HttpAuthenticatorOptions) {}

  /** True: the request may proceed (principal attached). False: it was answered here. */
  authenticate(req: IncomingMessage, res: ServerResponse): boolean | Promise<boolean> {
    const o = this.options;
    const address = `address:${req.socket.remoteAddress ?? ''}`;
    const addressBlock = o.guard.blockedFor(address);
    if (addressBlock > 0) return this.#blocked(req, res, addressBlock);
    const credential = this.#credential(req);
    if (credential === undefined) {
      if (o.anonymous) {
        principals.set(req, ANONYMOUS);
        return true;
      }
      return this.#refuse(req, res, undefined, { ok: false, reason: 'missing', detail: 'no credential' });
    }
    if (typeof credential === 'object') return this.#refuse(req, res, undefined, credential);
    const hash = createHash('sha256').update(credential).digest('hex');
    const subject = `credential:${keyIdOf(hash)}`;
    const credentialBlock = o.guard.blockedFor(subject);
    if (credentialBlock > 0) return this.#blocked(req, res, credentialBlock);
    const verifier = this.#verifierFor(credential);
    if (verifier === undefined)
      return this.#refuse(req, res, subject, { ok: false, reason: 'invalid', detail: 'no verifier accepts this kind of token' });
    const result = verifier.verify(credential, hash);
    if (!(result instanceof Promise)) return this.#settle(req, res, subject, verifier, result);
    return result.then(
      (r) => this.#settle(req, res, subject, verifier, r),
      (err: unknown) => {
        o.log.error({ err: String(err), method: verifier.kind }, 'authentication failed unexpectedly');
        return this.#refuse(req, res, subject, { ok: false, reason: 'invalid', detail: 'verification failed' });
      },
    );
  }

  /** The presented token; a refusal when the Authorization header is not `Bearer <token>`; undefined when none. */
  #credential(req: IncomingMessage): string | Refusal | undefined {
    const header = this.options.apiKeyHeader;
    if (header !== undefined) {
      const key = req.headers[header];
      if (typeof key === 'string' && key !== '') return key.trim();
    }
    const authorization = req.headers.authorization;
    if (authorization === undefined || authorization === '') return undefined;
    const space = authorization.indexOf(' ');
    if (space < 0 || authorization.slice(0, space).toLowerCase() !== 'bearer')
      return { ok: false, reason: 'malformed', detail: 'Authorization must be "Bearer <token>"' };
    const token = authorization.slice(space + 1).trim();
    return token === '' ? { ok: false, reason: 'malformed', detail: 'empty bearer token' } : token;
  }

  #verifierFor(token: string): TokenVerifier | undefined {
    const o = this.options;
    if (looksLikeApiKey(token)) return o.apiKeys;
    // A JWS compact serialisation has exactly two dots; anything else is opaque.
    const first = token.indexOf('.');
    const jwtShaped = first > 0 && token.indexOf('.', first + 1) > first && token.split('.').length === 3;
    if (jwtShaped && o.jwt !== undefined) return o.jwt;
    return o.introspection;
  }

  #settle(req: IncomingMessage, res: ServerResponse, subject: string, verifier: TokenVerifier, result: AuthResult): boolean {
    if (!result.ok) return this.#refuse(req, res, subject, result, verifier.kind);
    const { principal } = result;
    const required = this.options.requiredScopes;
    if (required.length > 0 && principal.kind !== 'api-key') {
      const held = principal.scopes ?? [];
      const missing = required.filter((s) => !held.includes(s));
      if (missing.length > 0) return this.#insufficientScope(req, res, principal, required, missing);
    }
    principals.set(req, principal);
    const channel = this.options.channel;
    if (channel?.active)
      channel.publish({ outcome: 'ok', method: verifier.kind, principal: principal.id, remoteAddress: req.socket.remoteAddress });
    return true;
  }

  #refuse(req: IncomingMessage, res: ServerResponse, subject: string | undefined, result: Refusal, method?: TokenVerifier['kind']): false {
    const o = this.options;
    const remoteAddress = req.socket.remoteAddress;
    // A caller that sent nothing is the first step of OAuth discovery: answered, not counted.
    if (result.reason !== 'missing') {
      o.guard.fail(`address:${remoteAddress ?? ''}`, result.reason);
      if (subject !== undefined) o.guard.fail(subject, result.reason);
    }
    if (o.channel?.active)
      o.channel.publish({
        outcome: result.reason === 'malformed' ? 'invalid' : result.reason,
        method: method ?? 'none',
        principal: undefined,
        remoteAddress,
        reason: result.detail,
      });
    const challenge = bearerChallenge({
      metadataUrl: o.metadataUrl,
      ...(result.reason === 'malformed' && { error: 'invalid_request' as const }),
      ...(result.reason !== 'missing' && result.reason !== 'malformed' && { error: 'invalid_token' as const }),
    });
    const message = result.reason === 'missing' ? 'Unauthorized: a credential is required' : `Unauthorized: ${result.detail}`;
    write(req, res, new GatewayError('GW_UNAUTHENTICATED', message), { 'www-authenticate': challenge });
    return false;
  }

  #insufficientScope(
    req: IncomingMessage,
    res: ServerResponse,
    principal: Principal,
    required: readonly string[],
    missing: readonly string[],
  ): false {
    const o = this.options;
    if (o.channel?.active)
      o.channel.publish({
        outcome: 'insufficient-scope',
        method: principal.kind === 'jwt' ? 'jwt' : 'introspection',
        principal: principal.id,
        remoteAddress: req.socket.remoteAddress,
        reason: `missing scope ${missing.join(' ')}`,
      });
    const challenge = bearerChallenge({ metadataUrl: o.metadataUrl, error: 'insufficient_scope', scope: required });
    const err = new GatewayError('GW_INSUFFICIENT_SCOPE', `Forbidden: the token lacks scope ${missing.join(' ')}`, {
      data: { scope: required.join(' ') },
    });
    write(req, res, err, { 'www-authenticate': challenge });
    return false;
  }

  #blocked(req: IncomingMessage, res: ServerResponse, retryAfterMs: number): false {
    const channel = this.options.channel;
    if (channel?.active)
      channel.publish({
        outcome: 'blocked',
        method: 'none',
        principal: undefined,
        remoteAddress: req.socket.remoteAddress,
        reason: 'blocked',
      });
    const err = new GatewayError('GW_AUTH_BLOCKED', 'Too many failed authentication attempts: try again later', {
      data: { retryAfterMs: Math.ceil(retryAfterMs) },
    });
    write(req, res, err, { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) });
    return false;
  }
}

/**
 * Writes a refusal through the one HTTP error renderer. When a body is on its way the connection is
 * closed after the answer, so the body is never read (Node would otherwise drain it to reuse the connection).
 */
function write(req: IncomingMessage, res: ServerResponse, err: GatewayError, headers: Record<string, string>): void {
  const length = req.headers['content-length'];
  const hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
  sendError(res, null, err, hasBody ? { ...headers, connection: 'close' } : headers);
}
