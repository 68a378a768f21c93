import type { Principal, PrincipalKind } from '../../pipeline/index.js';

/** How token claims become a principal: its id, its roles. */
export interface ClaimsMapping {
  /** Claim holding the principal id (default `sub`). */
  readonly subjectClaim: string;
  /** Claim (dot path) whose string or string-array value are roles as they are. */
  readonly rolesClaim?: string | undefined;
  /** Scope → roles it grants. */
  readonly scopeRoles: Readonly<Record<string, readonly string[]>>;
  /** A claim (dot path) equal to, or an array containing, `value` grants `roles`. */
  readonly claimRoles: readonly { readonly claim: string; readonly value: string; readonly roles: readonly string[] }[];
}

/** Scopes from `scope` (space-separated, RFC 8693/9068) or `scp` (string or array). */
export function scopesOf(claims: Readonly<Record<string, unknown>>): string[] {
  const raw = claims.scope ?? claims.scp;
  if (typeof raw === 'string') return raw.split(' ').filter((s) => s !== '');
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return [];
}

/** The principal of verified claims, or a reason why there is none. */
export function principalFromClaims(
  claims: Readonly<Record<string, unknown>>,
  kind: PrincipalKind,
  mapping: ClaimsMapping,
): Principal | string {
  const id = claims[mapping.subjectClaim];
  if (typeof id !== 'string' || id === '') return `token has no ${mapping.subjectClaim} claim`;
  const scopes = scopesOf(claims);
  const roles = new Set<string>();
  if (mapping.rolesClaim !== undefined) for (const r of strings(pathValue(claims, mapping.rolesClaim))) roles.add(r);
  for (const s of scopes) for (const r of mapping.scopeRoles[s] ?? []) roles.add(r);
  for (const rule of mapping.claimRoles)
    if (strings(pathValue(claims, rule.claim)).includes(rule.value)) for (const r of rule.roles) roles.add(r);
  return Object.freeze({
    id,
    kind,
    roles: Object.freeze([...roles]),
    claims: Object.freeze({ ...claims }),
    scopes: Object.freeze(scopes),
  });
}

function pathValue(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
