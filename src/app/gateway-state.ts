import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { BreakwaterConfig } from '../config/index.js';
import type { BulkheadSnapshot, GatewayStateSource, ReplicaSnapshot } from '../observability/metrics/index.js';
import type { SessionStore } from '../session/index.js';
import type { UpstreamConnection } from '../upstream/index.js';
import type { ResilienceRegistry } from './upstream-resilience.js';

/** What the state source reads: the gateway's live objects. */
export interface GatewayStateDeps {
  readonly config: BreakwaterConfig;
  readonly upstreams: ReadonlyMap<string, readonly UpstreamConnection[]>;
  readonly resilience: ResilienceRegistry;
  readonly sessions: () => SessionStore;
  readonly cache: () => { bytes: number; entries: number } | undefined;
}

/** Samples the gateway's state for metrics (at scrape) and `/readyz`; never cached, so never stale. */
export function gatewayState(d: GatewayStateDeps): GatewayStateSource {
  return {
    replicas() {
      const out: ReplicaSnapshot[] = [];
      for (const [upstream, replicas] of d.upstreams) {
        const breakers = d.resilience.get(upstream).breakers;
        replicas.forEach((c, replica) => {
          const breaker = breakers[replica]?.state;
          out.push({ upstream, replica, state: c.state, ...(breaker !== undefined && { breaker }) });
        });
      }
      return out;
    },
    bulkheads() {
      const out: BulkheadSnapshot[] = [];
      for (const [upstream, up] of d.resilience.entries()) {
        const b = up.bulkhead;
        if (b) out.push({ upstream, inFlight: b.inFlight, queued: b.queued, maxConcurrent: b.limits.maxConcurrent });
        for (const [tool, t] of up.toolBulkheads)
          out.push({ upstream, tool, inFlight: t.inFlight, queued: t.queued, maxConcurrent: t.limits.maxConcurrent });
      }
      return out;
    },
    sessions: () => ({ legacy: d.sessions().size, modern: 0 }),
    cache: d.cache,
  };
}

/** Event-loop lag above this is reported as `degraded` on /readyz (readiness itself does not change). */
const LAG_DEGRADED_MS = 500;

/**
 * `/readyz` with a detail per component: config, each upstream (required or not) and replica (state,
 * breaker), event-loop lag. Ready when not draining and every required upstream has a ready replica.
 */
export class Readiness {
  readonly #lag: IntervalHistogram;
  readonly #loadedAt = new Date().toISOString();

  constructor(
    private readonly config: BreakwaterConfig,
    private readonly state: GatewayStateSource,
  ) {
    this.#lag = monitorEventLoopDelay({ resolution: 20 });
    this.#lag.enable();
  }

  /** The verdict and its details; `extra` (sessions, list problems) is merged into the details. */
  report(draining: boolean, extra: Record<string, unknown>): { ready: boolean; details: Record<string, unknown> } {
    const upstreams: Record<string, { required: boolean; ready: boolean; replicas: Omit<ReplicaSnapshot, 'upstream'>[] }> = {};
    for (const r of this.state.replicas()) {
      const u = (upstreams[r.upstream] ??= { required: this.config.upstreams[r.upstream]?.required ?? true, ready: false, replicas: [] });
      const { upstream: _, ...replica } = r;
      u.replicas.push(replica);
      if (r.state === 'ready') u.ready = true;
    }
    const missing = Object.entries(upstreams)
      .filter(([, u]) => u.required && !u.ready)
      .map(([name]) => name);
    // Percentiles since the previous probe: a probe every few seconds sees recent lag, not the process's lifetime.
    const p99 = this.#lag.percentile(99) / 1e6;
    const max = this.#lag.max / 1e6;
    this.#lag.reset();
    const ready = !draining && missing.length === 0;
    return {
      ready,
      details: {
        ...(draining && { draining: true }),
        ...(missing.length > 0 && { waitingFor: missing }),
        config: { status: 'ok', loadedAt: this.#loadedAt, upstreams: Object.keys(this.config.upstreams).length },
        upstreams,
        eventLoop: { status: p99 > LAG_DEGRADED_MS ? 'degraded' : 'ok', lagP99Ms: round(p99), lagMaxMs: round(max) },
        ...extra,
      },
    };
  }

  /** Stops the lag monitor. */
  close(): void {
    this.#lag.disable();
  }
}

const round = (n: number): number => (Number.isFinite(n) ? Math.round(n * 100) / 100 : 0);
