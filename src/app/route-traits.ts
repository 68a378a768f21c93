import type { BreakwaterConfig, ResolvedPolicyScope } from '../config/index.js';
import type { Route } from '../pipeline/index.js';
import { globMatcher, type Aggregator } from '../router/index.js';

/** What the route compiler decides once per route about repeating and caching its calls. */
export interface RouteTraits {
  /** The call may run twice: retries after a maybe-executed failure, failover, hedging. */
  readonly safe: boolean;
  /** Results may be cached (the cache policy still skips errors, isError, progress, ttlMs 0). */
  readonly cacheable: boolean;
}

/** Tool annotations as an upstream lists them (hints: trusted only for `trusted` upstreams). */
export interface ToolAnnotations {
  readonly readOnlyHint?: unknown;
  readonly idempotentHint?: unknown;
}

/**
 * Safety and cacheability of a route. Safe: the operator marked it `idempotent`, or it is a protocol read
 * (`resources/read`, `prompts/get`), or a `trusted` upstream annotated the tool `readOnlyHint` or
 * `idempotentHint`. (A request that provably never reached the upstream is safe whatever this says; the
 * retry and replica policies check that per error.) Cacheable, only when safe: `cache.enabled` for tools
 * and resources, or a trusted upstream's `readOnlyHint` tool unless a scope writes `cache.enabled: false`.
 */
export function routeTraits(
  config: BreakwaterConfig,
  route: Route,
  scope: ResolvedPolicyScope,
  annotations: ToolAnnotations | undefined,
): RouteTraits {
  const trusted = config.upstreams[route.upstream]?.trusted === true;
  if (route.kind === 'tool') {
    const readOnly = trusted && annotations?.readOnlyHint === true;
    const safe = scope.idempotent || readOnly || (trusted && annotations?.idempotentHint === true);
    const cacheable = safe && (scope.cache.enabled || (readOnly && !cacheTurnedOff(config, route)));
    return { safe, cacheable };
  }
  if (route.kind === 'resource' || route.kind === 'prompt')
    return { safe: true, cacheable: route.kind === 'resource' && scope.cache.enabled };
  return { safe: scope.idempotent, cacheable: false };
}

/** True when the upstream scope or a matching tool scope writes `cache.enabled: false` explicitly. */
function cacheTurnedOff(config: BreakwaterConfig, route: Route): boolean {
  const u = config.upstreams[route.upstream];
  if (!u) return false;
  let off = u.policies.cache?.enabled === false;
  for (const [pattern, scope] of Object.entries(u.toolPolicies))
    if (scope.cache?.enabled !== undefined && globMatcher([pattern])(route.target)) off = scope.cache.enabled === false;
  return off;
}

/** Reads a tool route's annotations from the aggregator's current tool table (undefined if it moved). */
export function toolAnnotationsFrom(aggregator: Aggregator): (route: Route) => ToolAnnotations | undefined {
  return (route) => {
    const entry = aggregator.tools.get(route.name);
    if (!entry || entry.upstream !== route.upstream || entry.target !== route.target) return undefined;
    const annotations = entry.item.annotations;
    return typeof annotations === 'object' && annotations !== null ? (annotations as ToolAnnotations) : undefined;
  };
}
