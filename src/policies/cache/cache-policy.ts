import { Emitter } from '../../core/index.js';
import { errors } from '../../errors/index.js';
import type { CallContext, CallResult, Next, Policy } from '../../pipeline/index.js';
import { classify, classifyAttempt, hasCode, isToolError, raceSignal, withDefaults } from '../../resilience/index.js';
import { privateCacheKey, publicCacheKey } from './cache-key.js';
import type { CacheEntry, CacheScope, CacheStore } from './cache-store.js';
import type { FlightOutcome } from './coalescer.js';
import { Coalescer } from './coalescer.js';

/** `_meta` key set on a result served stale after an upstream failure. */
export const STALE_META_KEY = 'io.breakwater/stale';

type RouteEvent = { readonly route: string };
export type CacheEvents = {
  hit: RouteEvent & { readonly scope: CacheScope };
  miss: RouteEvent;
  stale: RouteEvent;
  coalesced: RouteEvent;
  store: RouteEvent & { readonly bytes: number; readonly ttlMs: number; readonly scope: CacheScope };
  'store-error': RouteEvent & { readonly error: unknown };
};

export interface CacheOptions {
  /** On unless false; ttlMs ≤ 0 also turns caching off. */
  readonly enabled?: boolean;
  /** TTL of results without a hint, and the cap on an upstream's `ttlMs` hint (default 60 000). */
  readonly ttlMs?: number;
  /** `private` keys every entry by principal; `public` shares across callers unless the result says private (default private). */
  readonly scope?: CacheScope;
  /** After expiry, keep serving the last result for this long when the upstream fails (default 0). */
  readonly staleIfErrorMs?: number;
  /** Identical concurrent misses share one upstream call (default true). */
  readonly coalesce?: boolean;
  /** Largest result stored (UTF-8 bytes of its JSON); larger results pass through uncached (default 1 MiB). */
  readonly maxBytes?: number;
  readonly store: CacheStore;
  readonly events?: Emitter<CacheEvents>;
}

export interface CacheStats {
  hits: number;
  misses: number;
  stale: number;
  coalesced: number;
  stores: number;
}

/** The cache policy plus invalidation (list_changed, resources/updated) and counters. */
export interface CachePolicy extends Policy {
  /** Drops entries whose key starts with the prefix (see cacheKeyPrefix) or matches the predicate. */
  invalidate(match: string | ((key: string) => boolean)): Promise<number>;
  stats(): CacheStats;
}

const DEFAULTS = Object.freeze({
  enabled: true,
  ttlMs: 60_000,
  scope: 'private' as CacheScope,
  staleIfErrorMs: 0,
  coalesce: true,
  maxBytes: 1_048_576,
});

/** An upstream that failed or is fenced off (breaker open, shed) justifies a stale answer; caller errors do not. */
const staleWorthy = (err: unknown, signal: AbortSignal): boolean =>
  classifyAttempt(err, signal) === 'upstream-failure' || hasCode(err, 'GW_CIRCUIT_OPEN') || hasCode(err, 'GW_OVERLOADED');

/**
 * Response cache for cacheable routes. Honours the modern `ttlMs`/`cacheScope` result hints (ttl 0 → not
 * cached; private → keyed by principal), coalesces identical misses, serves stale-if-error, and never
 * caches errors, `isError` results, `input_required` results or calls that emitted progress.
 */
export function createCachePolicy(options: CacheOptions): CachePolicy {
  const o = withDefaults(DEFAULTS, options);
  const events = o.events ?? new Emitter<CacheEvents>();
  const stats: CacheStats = { hits: 0, misses: 0, stale: 0, coalesced: 0, stores: 0 };
  const flights = new Coalescer();
  const off = !o.enabled || !(o.ttlMs > 0);
  let generation = 0;

  const read = async (key: string, route: string): Promise<CacheEntry | undefined> => {
    try {
      return await o.store.get(key);
    } catch (error) {
      events.emit('store-error', { route, error });
      return undefined;
    }
  };

  /** Stores a cacheable result; returns the scope the result belongs to (for coalesced joiners). */
  const keep = (
    ctx: CallContext,
    keys: { pub: string; priv: string },
    result: CallResult,
    progressed: boolean,
    gen: number,
  ): CacheScope => {
    const scope: CacheScope = o.scope === 'private' || result.cacheScope === 'private' ? 'private' : 'public';
    const ttlMs = typeof result.ttlMs === 'number' ? Math.min(result.ttlMs, o.ttlMs) : o.ttlMs;
    if (
      !(ttlMs > 0) ||
      progressed ||
      ctx.state.committed ||
      gen !== generation ||
      isToolError(result) ||
      result.resultType === 'input_required'
    )
      return scope;
    const body = JSON.stringify(result);
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > o.maxBytes) return scope;
    const freshUntil = ctx.clock.now() + ttlMs;
    const route = ctx.route.name;
    stats.stores++;
    if (events.has('store')) events.emit('store', { route, bytes, ttlMs, scope });
    o.store
      .set(scope === 'private' ? keys.priv : keys.pub, { body, scope, freshUntil, staleUntil: freshUntil + Math.max(0, o.staleIfErrorMs) })
      .catch((error: unknown) => events.emit('store-error', { route, error }));
    return scope;
  };

  /** One upstream call whose result is stored; progress (forwarded to the caller) makes it uncacheable. */
  const fetch = async (ctx: CallContext, next: Next, keys: { pub: string; priv: string }, signal: AbortSignal): Promise<FlightOutcome> => {
    const gen = generation;
    let progressed = false;
    const outer = ctx.onProgress;
    const onProgress = (): void => {
      progressed = true;
      outer?.();
    };
    const result = await next({ ...ctx, signal, onProgress });
    return { result, scope: keep(ctx, keys, result, progressed, gen), owner: keys.priv };
  };

  const viaFlight = async (ctx: CallContext, next: Next, keys: { pub: string; priv: string }): Promise<CallResult> => {
    const flightKey = o.scope === 'private' ? keys.priv : keys.pub;
    let flight = flights.get(flightKey);
    const joined = flight !== undefined;
    if (joined) {
      stats.coalesced++;
      if (events.has('coalesced')) events.emit('coalesced', { route: ctx.route.name });
    }
    flight ??= flights.start(flightKey, (signal) => fetch(ctx, next, keys, signal));
    flight.participants++;
    try {
      const out = await raceSignal(flight.promise, ctx.signal);
      if (!joined) return out.result;
      if (out.scope === 'private' && out.owner !== keys.priv) return (await fetch(ctx, next, keys, ctx.signal)).result;
      return structuredClone(out.result);
    } catch (err) {
      // The shared call died of its starter's own limits (its deadline): a joiner still in time calls for itself.
      if (joined && !ctx.signal.aborted && classify(err) === 'cancelled') return (await fetch(ctx, next, keys, ctx.signal)).result;
      throw err;
    } finally {
      flights.leave(flightKey, flight, ctx.signal.aborted ? ctx.signal.reason : errors.cancelled('all callers left'));
    }
  };

  return {
    name: off ? 'cache-off' : 'cache',
    async execute(ctx: CallContext, next: Next): Promise<CallResult> {
      if (off) return next(ctx);
      const route = ctx.route.name;
      const pub = publicCacheKey(ctx);
      const keys = { pub, priv: privateCacheKey(pub, ctx) };
      let stale: CacheEntry | undefined;
      for (const key of o.scope === 'private' ? [keys.priv] : [keys.pub, keys.priv]) {
        const entry = await read(key, route);
        if (!entry) continue;
        if (ctx.clock.now() < entry.freshUntil) {
          stats.hits++;
          if (events.has('hit')) events.emit('hit', { route, scope: entry.scope });
          return JSON.parse(entry.body) as CallResult;
        }
        stale ??= entry;
      }
      stats.misses++;
      if (events.has('miss')) events.emit('miss', { route });
      try {
        return o.coalesce ? await viaFlight(ctx, next, keys) : (await fetch(ctx, next, keys, ctx.signal)).result;
      } catch (err) {
        if (!stale || ctx.clock.now() >= stale.staleUntil || !staleWorthy(err, ctx.signal)) throw err;
        stats.stale++;
        if (events.has('stale')) events.emit('stale', { route });
        const result = JSON.parse(stale.body) as CallResult;
        return { ...result, _meta: { ...(result._meta as Record<string, unknown> | undefined), [STALE_META_KEY]: true } };
      }
    },
    async invalidate(match) {
      generation++;
      flights.forget(typeof match === 'string' ? (key) => key.startsWith(match) : match);
      return o.store.delete(match);
    },
    stats: () => ({ ...stats }),
  };
}
