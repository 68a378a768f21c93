import type { Principal } from '../../pipeline/index.js';

/** Why a credential was refused; `missing` means none was sent. */
export type AuthFailureReason = 'missing' | 'malformed' | 'invalid' | 'expired' | 'revoked';

/** The outcome of checking one credential. `detail` is a short reason for logs, never the credential. */
export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: AuthFailureReason; readonly detail: string };

/** Checks one kind of credential; answers synchronously when it can (a cache hit), else with a promise. */
export interface TokenVerifier {
  readonly kind: 'api-key' | 'jwt' | 'introspection';
  /** `hash` is the hex SHA-256 of `token`, computed once by the caller. */
  verify(token: string, hash: string): AuthResult | Promise<AuthResult>;
}

/** A refusal. */
export function refused(reason: AuthFailureReason, detail: string): AuthResult {
  return { ok: false, reason, detail };
}
