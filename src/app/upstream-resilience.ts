import type { Clock, Logger, Random } from '../core/index.js';
import { Emitter, systemRandom } from '../core/index.js';
import type { BreakwaterConfig, ResolvedPolicyScope } from '../config/index.js';
import { upstreamReplicas } from '../config/index.js';
import type { Policy } from '../pipeline/index.js';
import { Bulkhead, type BulkheadEvents } from '../policies/bulkhead/index.js';
import type { CacheEvents, CachePolicy, CacheStore } from '../policies/cache/index.js';
import { cacheKeyPrefix } from '../policies/cache/index.js';
import { createCircuitBreakerPolicy } from '../policies/circuit-breaker/index.js';
import { createReplicaGroup, type FallbackEvents, type ReplicaEvents, type ReplicaSet } from '../policies/replicas/index.js';
import type { RetryEvents } from '../policies/retry/index.js';
import type { BreakerEvents, BreakerStateStore } from '../resilience/index.js';
import { CircuitBreaker, RetryBudget } from '../resilience/index.js';
import { resolveScope } from './policy-scope.js';

/** Everything the resilience policies of one upstream publish; the metrics/admin adapters subscribe here. */
export interface UpstreamResilienceEvents {
  readonly breaker: Emitter<BreakerEvents>;
  readonly replica: Emitter<ReplicaEvents>;
  readonly retry: Emitter<RetryEvents>;
  readonly bulkhead: Emitter<BulkheadEvents>;
  readonly cache: Emitter<CacheEvents>;
  readonly fallback: Emitter<FallbackEvents>;
}

/** What building the resilience objects of an upstream needs. */
export interface UpstreamResilienceDeps {
  readonly clock: Clock;
  readonly random?: Random;
  /** Keeps breaker state across rebuilt objects (reload); in-process by default. */
  readonly breakerStore?: BreakerStateStore;
}

/** The bulkhead limits of a scope, or undefined when the scope turns the bulkhead off. */
export function bulkheadLimits(scope: ResolvedPolicyScope): Bulkhead['limits'] | undefined {
  const b = scope.bulkhead;
  return b.enabled ? { maxConcurrent: b.maxConcurrent, maxQueue: b.maxQueue, maxQueueWaitMs: b.maxQueueWaitMs } : undefined;
}

/**
 * The state of one upstream that every route of it shares: the retry budget, one circuit breaker per
 * replica, the replica group (breakers, ejection, in-flight counts, round-robin position) when there is
 * more than one replica, the upstream's bulkhead, and the cache policies of its routes (for invalidation).
 * Built from the upstream scope (`defaults` → `policies`): tool scopes cannot change what is shared.
 * It outlives compiled pipelines, so recompiling a route (tool list change) keeps health and limits.
 */
export class UpstreamResilience {
  readonly name: string;
  readonly scope: ResolvedPolicyScope;
  readonly replicas: number;
  readonly budget: RetryBudget;
  /** One per replica (index = replica); empty when `breaker.enabled` is false. */
  readonly breakers: readonly CircuitBreaker[];
  /** Present when the upstream has more than one replica. */
  readonly group: ReplicaSet | undefined;
  /** The upstream-wide concurrency limit; undefined when the upstream scope turns it off. */
  readonly bulkhead: Bulkhead | undefined;
  readonly events: UpstreamResilienceEvents;
  readonly #toolBulkheads = new Map<string, Bulkhead>();
  readonly #caches = new Map<string, { kind: string; policy: CachePolicy }>();
  #breakerPolicy: Policy | undefined;

  constructor(config: BreakwaterConfig, name: string, deps: UpstreamResilienceDeps) {
    const upstream = config.upstreams[name];
    this.name = name;
    this.scope = resolveScope(config, name, undefined);
    const s = this.scope;
    const endpoints = upstream ? upstreamReplicas(upstream) : [];
    this.replicas = Math.max(1, endpoints.length);
    const random = deps.random ?? systemRandom;
    this.events = {
      breaker: new Emitter(),
      replica: new Emitter(),
      retry: new Emitter(),
      bulkhead: new Emitter(),
      cache: new Emitter(),
      fallback: new Emitter(),
    };
    this.budget = new RetryBudget({ percent: s.retry.budgetPercent, minConcurrency: s.retry.budgetMinConcurrency });
    const b = s.breaker;
    this.breakers = b.enabled
      ? Array.from(
          { length: this.replicas },
          (_, i) =>
            new CircuitBreaker({
              name: this.replicas > 1 ? `${name}#${i}` : name,
              consecutiveFailures: b.consecutiveFailures,
              failureRateThreshold: b.failureRateThreshold,
              windowMs: b.windowMs,
              minimumCalls: b.minimumCalls,
              slowCallMs: b.slowCallMs,
              slowCallRateThreshold: b.slowCallRateThreshold,
              halfOpenProbes: b.halfOpenProbes,
              openMs: b.openMs,
              maxOpenMs: Math.max(b.openMs, b.maxOpenMs),
              clock: deps.clock,
              random,
              events: this.events.breaker,
              ...(deps.breakerStore && { store: deps.breakerStore }),
            }),
        )
      : [];
    this.group =
      this.replicas > 1
        ? createReplicaGroup({
            replicas: this.replicas,
            weights: endpoints.map((e) => e.weight),
            breakers: this.breakers,
            ejection: { ...s.replicas.ejection },
            clock: deps.clock,
            random,
            events: this.events.replica,
          })
        : undefined;
    const limits = bulkheadLimits(s);
    this.bulkhead = limits ? new Bulkhead(limits) : undefined;
  }

  /**
   * The breaker policy of a single-replica upstream (shared by all its routes), or undefined when the
   * upstream has replicas (the replica policy guards each replica itself: never both) or no breaker.
   */
  breakerPolicy(): Policy | undefined {
    if (this.group || this.breakers.length === 0) return undefined;
    this.#breakerPolicy ??= createCircuitBreakerPolicy({ breakers: this.breakers });
    return this.#breakerPolicy;
  }

  /**
   * The bulkhead of a tool whose own scope sets bulkhead limits ("in a tool scope, it limits that
   * tool"): one per tool, kept across recompiles so its in-flight count survives a tool list change.
   */
  toolBulkhead(tool: string, limits: Bulkhead['limits']): Bulkhead {
    let bulkhead = this.#toolBulkheads.get(tool);
    if (!bulkhead || !sameLimits(bulkhead.limits, limits)) {
      bulkhead = new Bulkhead(limits);
      this.#toolBulkheads.set(tool, bulkhead);
    }
    return bulkhead;
  }

  /** The tools' own bulkheads, by tool (metrics and admin read their occupancy). */
  get toolBulkheads(): ReadonlyMap<string, Bulkhead> {
    return this.#toolBulkheads;
  }

  /** Remembers the cache policy of a compiled route (`key`), so invalidation reaches it. */
  registerCache(key: string, kind: string, policy: CachePolicy): void {
    this.#caches.set(key, { kind, policy });
  }

  /** Forgets the cache policies of routes of one kind (their pipelines are being dropped). */
  forgetCaches(kind: string): void {
    for (const [key, c] of this.#caches) if (c.kind === kind) this.#caches.delete(key);
  }

  /**
   * Drops cached results whose key starts with `upstream|method|target?|` from every cache policy of the
   * route kind; each policy also stops storing results fetched before now. Resolves with entries removed.
   */
  async invalidate(kind: string, method: string, target?: string): Promise<number> {
    const prefix = cacheKeyPrefix(target === undefined ? { upstream: this.name, method } : { upstream: this.name, method, target });
    let removed = 0;
    for (const c of [...this.#caches.values()]) if (c.kind === kind) removed += await c.policy.invalidate(prefix);
    return removed;
  }

  /** How many routes have a cache policy (tests, admin). */
  get cachedRoutes(): number {
    return this.#caches.size;
  }
}

function sameLimits(a: Bulkhead['limits'], b: Bulkhead['limits']): boolean {
  return a.maxConcurrent === b.maxConcurrent && a.maxQueue === b.maxQueue && a.maxQueueWaitMs === b.maxQueueWaitMs;
}

/** Settings that live per upstream (shared by its routes), so a tool scope cannot change them. */
const UPSTREAM_ONLY: readonly (readonly string[])[] = [
  ['breaker'],
  ['replicas', 'ejection'],
  ['retry', 'budgetPercent'],
  ['retry', 'budgetMinConcurrency'],
];

/** `upstreams.<u>.toolPolicies.<glob>.<path>` for every per-upstream setting written in a tool scope. */
export function sharedInToolScope(config: BreakwaterConfig): string[] {
  const out: string[] = [];
  for (const [name, upstream] of Object.entries(config.upstreams))
    for (const [glob, scope] of Object.entries(upstream.toolPolicies))
      for (const path of UPSTREAM_ONLY) {
        let v: unknown = scope;
        for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
        if (v !== undefined) out.push(`upstreams.${name}.toolPolicies.${glob}.${path.join('.')}`);
      }
  return out;
}

/** The embedded cache store's total budget, shared by every cached route (a result is also capped by `cache.maxBytes`). */
export const CACHE_STORE_BYTES = 64 * 1024 * 1024;

/** The resilience objects of every upstream, built once per gateway (composition root). */
export class ResilienceRegistry {
  readonly #byName = new Map<string, UpstreamResilience>();

  constructor(
    private readonly config: BreakwaterConfig,
    private readonly deps: UpstreamResilienceDeps & { readonly cacheStore: CacheStore; readonly log?: Logger },
  ) {
    for (const problem of sharedInToolScope(config))
      deps.log?.warn({ setting: problem }, 'tool-scope setting ignored: it belongs to the whole upstream (set it in policies)');
  }

  get cacheStore(): CacheStore {
    return this.deps.cacheStore;
  }

  /** The upstream's shared objects, built on first use. */
  get(upstream: string): UpstreamResilience {
    let r = this.#byName.get(upstream);
    if (!r) {
      r = new UpstreamResilience(this.config, upstream, this.deps);
      this.#byName.set(upstream, r);
    }
    return r;
  }

  /** Every upstream built so far. */
  entries(): IterableIterator<[string, UpstreamResilience]> {
    return this.#byName.entries();
  }
}
