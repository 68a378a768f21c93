import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../../core/index.js';
import { refused, type AuthResult, type TokenVerifier } from './auth-result.js';
import { principalFromClaims, type ClaimsMapping } from './claims-mapping.js';
import type { TokenCache } from './token-cache.js';

export interface JwtVerifierOptions {
  /** Where the signing keys come from: a JWKS URL (fetched, cached, refetched on an unknown `kid`) or static keys. */
  readonly keys:
    { readonly jwksUri: string; readonly cooldownMs: number; readonly cacheMaxAgeMs: number } | { readonly jwks: JSONWebKeySet };
  readonly issuer: string | readonly string[];
  /** The gateway's own resource URL (RFC 8707): a token for any other audience is refused. */
  readonly audience: string;
  readonly algorithms: readonly string[];
  /** Tolerated clock difference for `exp`/`nbf`/`iat`, in seconds. */
  readonly skewSec: number;
  readonly mapping: ClaimsMapping;
  readonly cache: TokenCache;
  readonly clock: Clock;
}

/**
 * Bearer JWTs verified with `jose`: signature (allowed algorithms only), issuer, audience, `exp` (required)
 * and `nbf` within a bounded skew. A verified token is cached by hash until its `exp`, so a repeated token
 * costs a hash and a lookup (ADR 0021). jose's remote key set refetches the JWKS when a token names an
 * unknown `kid`, at most once per `cooldownMs`, which bounds what forged `kid`s can make us fetch.
 */
export class JwtVerifier implements TokenVerifier {
  readonly kind = 'jwt';
  readonly #keys: JWTVerifyGetKey;

  constructor(private readonly options: JwtVerifierOptions) {
    const k = options.keys;
    this.#keys =
      'jwksUri' in k
        ? createRemoteJWKSet(new URL(k.jwksUri), { cooldownDuration: k.cooldownMs, cacheMaxAge: k.cacheMaxAgeMs, timeoutDuration: 5_000 })
        : createLocalJWKSet(k.jwks);
  }

  verify(token: string, hash: string): AuthResult | Promise<AuthResult> {
    const principal = this.options.cache.get(hash, this.options.clock.wallNow());
    if (principal !== undefined) return { ok: true, principal };
    return this.#verify(token, hash);
  }

  async #verify(token: string, hash: string): Promise<AuthResult> {
    const o = this.options;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.#keys, {
        issuer: o.issuer as string | string[],
        audience: o.audience,
        algorithms: [...o.algorithms],
        clockTolerance: o.skewSec,
        requiredClaims: ['exp'],
        currentDate: new Date(o.clock.wallNow()),
      }));
    } catch (err) {
      return failure(err);
    }
    const principal = principalFromClaims(payload, 'jwt', o.mapping);
    if (typeof principal === 'string') return refused('invalid', principal);
    o.cache.set(hash, principal, (payload.exp as number) * 1000);
    return { ok: true, principal };
  }
}

/** A short, credential-free reason from a jose error. */
function failure(err: unknown): AuthResult {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return refused('expired', 'token expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return refused('invalid', `token claim ${String((err as { claim?: unknown }).claim)} is not acceptable`);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return refused('invalid', 'token signature does not verify');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return refused('invalid', 'token algorithm is not allowed');
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return refused('invalid', 'no signing key matches the token');
    case 'ERR_JWT_INVALID':
    case 'ERR_JWS_INVALID':
      return refused('malformed', 'token is not a well-formed JWT');
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JOSE_GENERIC':
      return refused('invalid', 'signing keys are unavailable');
    default:
      return refused('invalid', 'token does not verify');
  }
}
