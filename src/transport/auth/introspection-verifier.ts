import type { Clock } from '../../core/index.js';
import { refused, type AuthResult, type TokenVerifier } from './auth-result.js';
import { principalFromClaims, type ClaimsMapping } from './claims-mapping.js';
import type { TokenCache } from './token-cache.js';

export interface IntrospectionOptions {
  /** The authorization server's RFC 7662 endpoint. */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The gateway's resource URL: an `aud` that does not include it is refused. */
  readonly audience: string;
  /** Refuse an active token that has no `aud` at all (default true: MCP requires audience-bound tokens). */
  readonly requireAudience: boolean;
  /** Upper bound on how long one answer is reused (never past the token's `exp`). */
  readonly cacheMaxMs: number;
  readonly timeoutMs: number;
  readonly mapping: ClaimsMapping;
  readonly cache: TokenCache;
  readonly clock: Clock;
}

/**
 * Opaque bearer tokens checked with RFC 7662 introspection. An active answer is cached by token hash for
 * at most `cacheMaxMs` and never past its `exp`, so revocation at the authorization server is seen within
 * `cacheMaxMs` (ADR 0021).
 */
export class IntrospectionVerifier implements TokenVerifier {
  readonly kind = 'introspection';
  readonly #authorization: string;

  constructor(private readonly options: IntrospectionOptions) {
    // RFC 6749 §2.3.1: client id and secret form-encoded before base64.
    const id = encodeURIComponent(options.clientId);
    const secret = encodeURIComponent(options.clientSecret);
    this.#authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  }

  verify(token: string, hash: string): AuthResult | Promise<AuthResult> {
    const principal = this.options.cache.get(hash, this.options.clock.wallNow());
    if (principal !== undefined) return { ok: true, principal };
    return this.#introspect(token, hash);
  }

  async #introspect(token: string, hash: string): Promise<AuthResult> {
    const o = this.options;
    let answer: Record<string, unknown>;
    try {
      const res = await fetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: this.#authorization },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(o.timeoutMs),
        redirect: 'error',
      });
      if (!res.ok) return refused('invalid', `introspection answered ${res.status}`);
      answer = (await res.json()) as Record<string, unknown>;
    } catch {
      return refused('invalid', 'introspection failed');
    }
    if (answer.active !== true) return refused('invalid', 'token is not active');
    const now = o.clock.wallNow();
    const exp = typeof answer.exp === 'number' ? answer.exp * 1000 : undefined;
    if (exp !== undefined && exp <= now) return refused('expired', 'token expired');
    const aud = answer.aud;
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (audiences.length === 0 ? o.requireAudience : !audiences.includes(o.audience))
      return refused('invalid', 'token audience is not this gateway');
    const principal = principalFromClaims(answer, 'introspection', o.mapping);
    if (typeof principal === 'string') return refused('invalid', principal);
    o.cache.set(hash, principal, Math.min(exp ?? Infinity, now + o.cacheMaxMs));
    return { ok: true, principal };
  }
}
