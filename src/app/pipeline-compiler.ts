import type { BreakwaterConfig, ResolvedPolicyScope } from '../config/index.js';
import { systemClock, type Clock, type Logger } from '../core/index.js';
import type { Next, Policy, Route } from '../pipeline/index.js';
import { compose, noopPolicy } from '../pipeline/index.js';
import { createBulkheadPolicy } from '../policies/bulkhead/index.js';
import { createCachePolicy } from '../policies/cache/index.js';
import { createAttemptTimeoutPolicy, createDeadlinePolicy } from '../policies/deadline/index.js';
import { createFallbackPolicy, createReplicaPolicy } from '../policies/replicas/index.js';
import { createRetryPolicy } from '../policies/retry/index.js';
import type { GuardEventSink } from '../policies/guards/index.js';
import { globMatcher } from '../router/index.js';
import type { PipelineSource } from '../session/index.js';
import { LruCacheStore } from '../store/memory/lru-cache-store.js';
import { GuardWiring, type ToolDefinitionSource } from './guard-wiring.js';
import { resolveScope } from './policy-scope.js';
import { routeTraits, type ToolAnnotations } from './route-traits.js';
import { bulkheadLimits, CACHE_STORE_BYTES, ResilienceRegistry, type UpstreamResilience } from './upstream-resilience.js';

/** What the compiler reads besides the config. */
export interface PipelineCompilerOptions {
  /** The per-upstream shared objects (budget, breakers, replica group, bulkhead); built here when absent. */
  readonly resilience?: ResilienceRegistry;
  /** Clock of the registry built here (breakers, ejection, cache entries); default the system clock. */
  readonly clock?: Clock;
  /** Where the registry built here reports tool-scope settings it cannot honour. */
  readonly log?: Logger;
  /** A tool route's annotations as its upstream lists them (the aggregator's route table), read at compile time. */
  readonly toolAnnotations?: (route: Route) => ToolAnnotations | undefined;
  /** A tool route's definition (inputSchema, outputSchema) as its upstream lists it, for schema validation. */
  readonly toolDefinition?: ToolDefinitionSource;
  /** Where guard decisions are published (the gateway's `guard` channel). */
  readonly guardEvents?: GuardEventSink;
  /** The outermost policy of every route: the audit gate (ADR 0019), before even the rate limit. */
  readonly first?: Policy;
  /** The policies in front of every route: rate limit, then authorization (AccessControl.policiesFor). */
  readonly front?: (route: Route) => readonly Policy[];
}

const routeKey = (route: Route): string =>
  route.kind === 'tool' ? `${route.upstream}\0tool\0${route.target}` : `${route.upstream}\0${route.kind}`;

/** The method a route kind's calls use, for cache invalidation. */
const KIND_METHOD = { tool: 'tools/call', resource: 'resources/read', prompt: 'prompts/get' } as const;

/**
 * Compiles each route's pipeline once and caches it. Tools get their own pipeline (tool scope);
 * resources, prompts and completions share one per upstream, since their names are unbounded.
 * Everything with state that spans routes (retry budget, breakers, replica group, bulkhead) comes from
 * the upstream's UpstreamResilience, so a compiled pipeline holds only per-route settings.
 */
export class PipelineCompiler implements PipelineSource {
  readonly resilience: ResilienceRegistry;
  #cache = new Map<string, Next>();
  readonly #annotations: ((route: Route) => ToolAnnotations | undefined) | undefined;
  readonly #guards: GuardWiring;
  readonly #front: ((route: Route) => readonly Policy[]) | undefined;

  constructor(
    private readonly config: BreakwaterConfig,
    private readonly terminal: Next,
    private readonly options: PipelineCompilerOptions = {},
  ) {
    const clock = options.clock ?? systemClock;
    this.resilience =
      options.resilience ??
      new ResilienceRegistry(config, {
        clock,
        cacheStore: new LruCacheStore({ maxBytes: CACHE_STORE_BYTES, clock }),
        // Without it the tool-scope settings the registry cannot honour were dropped silently (issue 8).
        ...(options.log && { log: options.log }),
      });
    this.#annotations = options.toolAnnotations;
    this.#guards = new GuardWiring(config, options.toolDefinition, options.guardEvents);
    this.#front = options.front;
  }

  forRoute(route: Route): Next {
    const key = routeKey(route);
    let next = this.#cache.get(key);
    if (!next) {
      next = compose(this.policiesFor(route), this.terminal);
      this.#cache.set(key, next);
    }
    return next;
  }

  /**
   * The ordered policies of a route, outermost first (ARCHITECTURE §1): rate limit → authorization → guards →
   * deadline → fallback → cache →
   * retry → replicas (per-replica breakers, ejection, hedging) or one breaker → bulkhead(s) → attempt
   * timeout. Off policies are no-ops that compose() drops.
   */
  policiesFor(route: Route): Policy[] {
    const up = this.resilience.get(route.upstream);
    const tool = route.kind === 'tool' ? route.target : undefined;
    const scope = resolveScope(this.config, route.upstream, tool);
    const traits = routeTraits(this.config, route, scope, tool === undefined ? undefined : this.#annotations?.(route));
    const { retry, replicas } = scope;
    return [
      this.options.first ?? noopPolicy,
      // Rate limit → authorization first: a refused or denied call costs nothing further (and no breaker hears it).
      ...(this.#front?.(route) ?? []),
      // Guards before the deadline: a refused call uses no upstream capacity and never reaches a breaker.
      this.#guards.policyFor(route),
      createDeadlinePolicy({ deadlineMs: scope.timeoutMs }),
      route.kind === 'tool' && scope.fallback
        ? createFallbackPolicy({ result: scope.fallback.result as Record<string, unknown>, events: up.events.fallback })
        : noopPolicy,
      traits.cacheable ? this.#cachePolicy(route, scope, up) : noopPolicy,
      createRetryPolicy({
        enabled: retry.enabled,
        maxAttempts: retry.maxAttempts,
        baseDelayMs: retry.baseDelayMs,
        maxDelayMs: retry.maxDelayMs,
        retryOn: retry.retryOn,
        isSafe: traits.safe,
        budget: up.budget,
        events: up.events.retry,
      }),
      up.group
        ? createReplicaPolicy({
            group: up.group,
            strategy: replicas.strategy,
            hedgeDelayMs: replicas.hedgeDelayMs,
            maxHedges: replicas.maxHedges,
            isSafe: traits.safe,
            budget: up.budget,
          })
        : (up.breakerPolicy() ?? noopPolicy),
      ...this.#bulkheads(route, scope, up),
      // With a route deadline outside, that policy alone reports the deadline (with the right limit), and an
      // attempt limit at or beyond the deadline could never fire: it is left out (two timers per call cost).
      scope.timeoutMs > 0 && scope.attemptTimeoutMs >= scope.timeoutMs
        ? noopPolicy
        : createAttemptTimeoutPolicy({ attemptTimeoutMs: scope.attemptTimeoutMs, deadlineOutside: scope.timeoutMs > 0 }),
    ];
  }

  /**
   * An upstream's list changed: tool pipelines are dropped so the next call re-reads the annotations
   * (safety, cacheability), and cached results of that kind are invalidated.
   */
  async listChanged(upstream: string, kind: 'tools' | 'prompts' | 'resources' | 'resourceTemplates'): Promise<void> {
    const routeKind = kind === 'tools' ? 'tool' : kind === 'prompts' ? 'prompt' : 'resource';
    const up = this.resilience.get(upstream);
    await up.invalidate(routeKind, KIND_METHOD[routeKind]);
    if (routeKind !== 'tool') return;
    up.forgetCaches('tool');
    const prefix = `${upstream}\0tool\0`;
    for (const key of [...this.#cache.keys()]) if (key.startsWith(prefix)) this.#cache.delete(key);
  }

  /** An upstream reported `notifications/resources/updated`: that resource's cached reads are dropped. */
  resourceUpdated(upstream: string, uri: string): Promise<number> {
    return this.resilience.get(upstream).invalidate('resource', 'resources/read', uri);
  }

  /** Forgets compiled pipelines (config reload). */
  clear(): void {
    this.#cache.clear();
  }

  #cachePolicy(route: Route, scope: ResolvedPolicyScope, up: UpstreamResilience): Policy {
    const c = scope.cache;
    const policy = createCachePolicy({
      ttlMs: c.ttlMs,
      scope: c.scope,
      staleIfErrorMs: c.staleIfErrorMs,
      coalesce: c.coalesce,
      maxBytes: c.maxBytes,
      store: this.resilience.cacheStore,
      events: up.events.cache,
    });
    up.registerCache(routeKey(route), route.kind, policy);
    return policy;
  }

  /**
   * The upstream's shared bulkhead, preceded by the tool's own when a tool scope sets bulkhead limits
   * (so a slow tool cannot take every slot of its upstream). A merged scope with `enabled: false` exempts the route.
   */
  #bulkheads(route: Route, scope: ResolvedPolicyScope, up: UpstreamResilience): Policy[] {
    const limits = bulkheadLimits(scope);
    if (!limits) return [];
    const out: Policy[] = [];
    if (route.kind === 'tool' && this.#toolSetsBulkhead(route))
      out.push(createBulkheadPolicy({ bulkhead: up.toolBulkhead(route.target, limits), events: up.events.bulkhead }));
    if (up.bulkhead) out.push(createBulkheadPolicy({ bulkhead: up.bulkhead, events: up.events.bulkhead }));
    return out;
  }

  #toolSetsBulkhead(route: Route): boolean {
    const u = this.config.upstreams[route.upstream];
    return Object.entries(u?.toolPolicies ?? {}).some(([pattern, s]) => s.bulkhead !== undefined && globMatcher([pattern])(route.target));
  }
}
