import type { BreakwaterConfig, ResolvedPolicyScope } from '../config/index.js';
import { globMatcher } from '../router/index.js';

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges override objects over a base (arrays and scalars replace). */
export function mergeScopes(base: Plain, ...overrides: (Plain | undefined)[]): Plain {
  let out: Plain = base;
  for (const o of overrides) {
    if (!o) continue;
    const next: Plain = { ...out };
    for (const [k, v] of Object.entries(o)) {
      if (v === undefined) continue;
      next[k] = isPlain(v) && isPlain(out[k]) ? mergeScopes(out[k] as Plain, v) : v;
    }
    out = next;
  }
  return out;
}

/**
 * The effective policy settings for a route: global `defaults` → upstream `policies` → every
 * `toolPolicies` entry whose glob matches the tool (in file order). Computed once per route.
 */
export function resolveScope(config: BreakwaterConfig, upstream: string, tool: string | undefined): ResolvedPolicyScope {
  const u = config.upstreams[upstream];
  const toolScopes: Plain[] = [];
  if (u && tool !== undefined)
    for (const [pattern, scope] of Object.entries(u.toolPolicies)) if (globMatcher([pattern])(tool)) toolScopes.push(scope as Plain);
  return mergeScopes(config.defaults as Plain, u?.policies as Plain | undefined, ...toolScopes) as ResolvedPolicyScope;
}
