import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { Channels } from '../channels.js';
import { ChildCache, LabelCap } from './label-cap.js';
import type { GatewayStateSource } from './state-source.js';
import { registerSystemMetrics } from './system-metrics.js';

/** What the metrics subscriber needs to know. */
export interface GatewayMetricsOptions {
  /** Distinct tool/prompt names kept as label values (later ones count as `other`). */
  readonly maxToolLabels: number;
  /** Node.js process and system metrics. */
  readonly process: boolean;
}

/** The OpenTelemetry MCP semantic conventions' buckets for operation durations (seconds). */
export const CALL_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
/** What the gateway adds to a call is sub-millisecond when healthy: finer buckets. */
export const GATEWAY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

const ERROR_CODE_LABELS = 64;

/** The Prometheus side of one gateway: its own registry, fed by the channels, sampled state at scrape. */
export interface GatewayMetrics {
  readonly registry: Registry;
  /** The text exposition (Prometheus 0.0.4 format). */
  scrape(): Promise<string>;
  /** Unsubscribes from the channels and stops the process collectors. */
  close(): void;
}

/**
 * Subscribes the `breakwater_*` metrics to a gateway's channels (names and labels: docs/operations.md,
 * docs/adr/0024-metric-names-and-label-cardinality.md). Counters and histograms move on events with cached
 * label children (one Map lookup per series); gauges of state (breakers, bulkheads, sessions, upstream up)
 * are read from `state` at scrape.
 */
export function createGatewayMetrics(channels: Channels, state: GatewayStateSource, options: GatewayMetricsOptions): GatewayMetrics {
  const registry = new Registry();
  const r = [registry];
  const tools = new LabelCap(options.maxToolLabels);
  const codes = new LabelCap(ERROR_CODE_LABELS);
  const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers: r });
  const gauge = (name: string, help: string, labelNames: string[], collect?: (this: Gauge) => void) =>
    new Gauge({ name, help, labelNames, registers: r, ...(collect && { collect }) });

  const calls = counter('breakwater_calls_total', 'Calls routed to an upstream, by outcome.', ['upstream', 'method', 'tool', 'outcome']);
  const failures = counter('breakwater_call_errors_total', 'Failed calls by error code (GW_* or the upstream JSON-RPC code).', [
    'upstream',
    'outcome',
    'code',
  ]);
  const duration = new Histogram({
    name: 'breakwater_call_duration_seconds',
    help: 'Call duration at the gateway, from routing to the answer.',
    labelNames: ['upstream', 'method', 'tool'],
    buckets: CALL_BUCKETS,
    registers: r,
  });
  const added = new Histogram({
    name: 'breakwater_call_gateway_duration_seconds',
    help: 'Time the gateway added to a call (duration minus time spent in upstream attempts).',
    labelNames: ['upstream'],
    buckets: GATEWAY_BUCKETS,
    registers: r,
  });
  const inFlight = gauge('breakwater_calls_in_flight', 'Calls in progress.', ['era']);
  const attempts = counter('breakwater_upstream_attempts_total', 'Attempts sent upstream (retries and hedges included).', [
    'upstream',
    'outcome',
  ]);
  const retries = counter('breakwater_retries_total', 'Retries and failovers scheduled.', ['upstream', 'reason']);
  const hedges = counter('breakwater_hedges_total', 'Hedged attempts started.', ['upstream']);
  const transitions = counter('breakwater_breaker_transitions_total', 'Circuit breaker state changes.', ['upstream', 'replica', 'to']);
  const ejected = gauge('breakwater_replica_ejected', '1 while outlier ejection keeps the replica out of rotation.', [
    'upstream',
    'replica',
  ]);
  const ejections = counter('breakwater_replica_ejections_total', 'Outlier ejections.', ['upstream', 'replica']);
  const shed = counter('breakwater_bulkhead_rejections_total', 'Calls shed by a bulkhead (GW_OVERLOADED).', ['upstream', 'reason']);
  const rateLimit = counter('breakwater_rate_limit_decisions_total', 'Rate-limit decisions.', ['limit', 'decision']);
  const authz = counter('breakwater_authorization_decisions_total', 'Authorization decisions.', ['upstream', 'decision']);
  const authn = counter('breakwater_authentications_total', 'Authentication attempts.', ['method', 'outcome']);
  const guards = counter('breakwater_guard_decisions_total', 'Guard decisions (schema, SQL, path, URL, code, content, pin).', [
    'guard',
    'mode',
    'decision',
  ]);
  const cache = counter('breakwater_cache_requests_total', 'Response cache lookups.', ['upstream', 'result']);
  const cacheStores = counter('breakwater_cache_stores_total', 'Results stored in the response cache.', ['upstream']);
  const cacheBytes = counter('breakwater_cache_stored_bytes_total', 'Bytes of results stored in the response cache.', ['upstream']);
  const evictions = counter('breakwater_cache_evictions_total', 'Entries evicted from the response cache.', ['upstream']);
  const opened = counter('breakwater_sessions_opened_total', 'Sessions opened.', ['era']);
  const closed = counter('breakwater_sessions_closed_total', 'Sessions closed, by reason.', ['era', 'reason']);
  const exits = counter(
    'breakwater_upstream_exits_total',
    'Upstream child processes that exited (each is followed by a restart unless stopping).',
    ['upstream', 'replica'],
  );

  sampledGauges(gauge, state);
  if (options.process) {
    collectDefaultMetrics({ register: registry, prefix: 'breakwater_' });
    // prom-client names three gauges `*_total`, which Prometheus reserves for counters (promtool flags them):
    // dropped; `breakwater_nodejs_active_resources{type}` carries the same figures.
    for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total'])
      registry.removeSingleMetric(`breakwater_nodejs_${name}`);
    registerSystemMetrics(registry);
  }

  const callChildren = new ChildCache((l) => calls.labels(...l));
  const durationChildren = new ChildCache((l) => duration.labels(...l));
  const addedChildren = new ChildCache((l) => added.labels(...l));
  const namedMethod = (method: string) => method === 'tools/call' || method === 'prompts/get';
  const offs = [
    channels.callStart.subscribe((e) => inFlight.inc({ era: e.era })),
    channels.callEnd.subscribe((e) => {
      inFlight.dec({ era: e.era });
      const tool = namedMethod(e.method) ? tools.value(e.name) : '';
      callChildren.get(e.upstream, e.method, tool, e.outcome).inc();
      durationChildren.get(e.upstream, e.method, tool).observe(e.durationMs / 1000);
      if (e.upstreamMs !== undefined) addedChildren.get(e.upstream).observe(Math.max(0, e.durationMs - e.upstreamMs) / 1000);
      if (e.errorCode !== undefined) failures.inc({ upstream: e.upstream, outcome: e.outcome, code: codes.value(e.errorCode) });
    }),
    channels.attempt.subscribe((e) => attempts.inc({ upstream: e.upstream, outcome: e.outcome })),
    channels.retry.subscribe((e) => retries.inc({ upstream: e.upstream, reason: e.reason })),
    channels.hedge.subscribe((e) => hedges.inc({ upstream: e.upstream })),
    channels.breaker.subscribe((e) => transitions.inc({ upstream: e.upstream, replica: String(e.replica), to: e.to })),
    channels.ejection.subscribe((e) => {
      const labels = { upstream: e.upstream, replica: String(e.replica) };
      ejected.set(labels, e.ejected ? 1 : 0);
      if (e.ejected) ejections.inc(labels);
    }),
    channels.bulkhead.subscribe((e) => {
      if (e.event === 'rejected' || e.event === 'timeout')
        shed.inc({ upstream: e.upstream, reason: e.event === 'timeout' ? 'queue-timeout' : 'queue-full' });
    }),
    channels.rateLimit.subscribe((e) =>
      rateLimit.inc({ limit: e.limit, decision: e.allowed ? 'allowed' : e.shadow ? 'shadow-limited' : 'limited' }),
    ),
    channels.authorization.subscribe((e) => authz.inc({ upstream: e.upstream, decision: e.allowed ? 'allow' : 'deny' })),
    channels.authentication.subscribe((e) => authn.inc({ method: e.method, outcome: e.outcome })),
    channels.guard.subscribe((e) => guards.inc({ guard: e.guard, mode: e.mode, decision: e.decision })),
    channels.cache.subscribe((e) => {
      if (e.event === 'store') {
        cacheStores.inc({ upstream: e.upstream });
        cacheBytes.inc({ upstream: e.upstream }, e.bytes ?? 0);
      } else if (e.event === 'evict') evictions.inc({ upstream: e.upstream });
      else cache.inc({ upstream: e.upstream, result: e.event });
    }),
    channels.session.subscribe((e) => {
      if (e.event === 'open') opened.inc({ era: e.era });
      else closed.inc({ era: e.era, reason: e.reason ?? 'closed' });
    }),
    channels.upstreamExit.subscribe((e) => exits.inc({ upstream: e.upstream, replica: String(e.replica) })),
  ];

  return {
    registry,
    scrape: () => registry.metrics(),
    close: () => {
      for (const off of offs) off();
      registry.clear();
    },
  };
}

type GaugeFactory = (name: string, help: string, labelNames: string[], collect?: (this: Gauge) => void) => Metric;

/** Gauges sampled from the gateway at scrape time. */
function sampledGauges(gauge: GaugeFactory, state: GatewayStateSource): void {
  const BREAKER_STATES = ['closed', 'half-open', 'open'] as const;
  gauge('breakwater_upstream_up', '1 when the replica is connected and ready.', ['upstream', 'replica'], function () {
    this.reset();
    for (const r of state.replicas()) this.set({ upstream: r.upstream, replica: String(r.replica) }, r.state === 'ready' ? 1 : 0);
  });
  gauge(
    'breakwater_breaker_state',
    'Circuit breaker state: 1 for the current state of each replica.',
    ['upstream', 'replica', 'state'],
    function () {
      this.reset();
      for (const r of state.replicas()) {
        if (r.breaker === undefined) continue;
        for (const s of BREAKER_STATES) this.set({ upstream: r.upstream, replica: String(r.replica), state: s }, r.breaker === s ? 1 : 0);
      }
    },
  );
  const bulkhead = (pick: (b: ReturnType<GatewayStateSource['bulkheads']>[number]) => number) =>
    function (this: Gauge) {
      this.reset();
      for (const b of state.bulkheads()) this.set({ upstream: b.upstream, tool: b.tool ?? '' }, pick(b));
    };
  gauge(
    'breakwater_bulkhead_in_flight',
    'Calls holding a bulkhead slot.',
    ['upstream', 'tool'],
    bulkhead((b) => b.inFlight),
  );
  gauge(
    'breakwater_bulkhead_queued',
    'Calls waiting in a bulkhead queue.',
    ['upstream', 'tool'],
    bulkhead((b) => b.queued),
  );
  gauge(
    'breakwater_bulkhead_capacity',
    'Bulkhead slots (maxConcurrent).',
    ['upstream', 'tool'],
    bulkhead((b) => b.maxConcurrent),
  );
  gauge('breakwater_sessions_active', 'Open sessions by protocol era.', ['era'], function () {
    const s = state.sessions();
    this.set({ era: 'legacy' }, s.legacy);
    this.set({ era: 'modern' }, s.modern);
  });
  gauge('breakwater_cache_bytes', 'Bytes held by the response cache store.', [], function () {
    this.set(state.cache?.()?.bytes ?? 0);
  });
  gauge('breakwater_cache_entries', 'Entries held by the response cache store.', [], function () {
    this.set(state.cache?.()?.entries ?? 0);
  });
}
