import type { CallContext } from '../../pipeline/index.js';

/** JSON with object keys sorted at every depth, so equal arguments give equal keys whatever their order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v))).join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

const part = (s: string): string => encodeURIComponent(s);

/**
 * The key prefix of a route: `upstream|method|target|`, each part URI-encoded so `|` cannot be forged.
 * Pass fewer parts to invalidate more (e.g. `{ upstream, method: 'tools/list' }` on list_changed).
 */
export function cacheKeyPrefix(route: { upstream: string; method?: string; target?: string }): string {
  let prefix = `${part(route.upstream)}|`;
  if (route.method === undefined) return prefix;
  prefix += `${part(route.method)}|`;
  return route.target === undefined ? prefix : `${prefix}${part(route.target)}|`;
}

/** The public key of a call: route prefix + canonical params (without `_meta`, which carries per-request data). */
export function publicCacheKey(ctx: CallContext): string {
  const { _meta: _ignored, ...params } = ctx.params;
  return `${cacheKeyPrefix({ upstream: ctx.route.upstream, method: ctx.method, target: ctx.route.target })}${canonicalJson(params)}`;
}

/** The private key: the public key bound to the principal, so no identity can read another's result. */
export function privateCacheKey(publicKey: string, ctx: CallContext): string {
  return `${publicKey}|${part(ctx.principal.kind)}:${part(ctx.principal.id)}`;
}
