/** One replica's state as the metrics read it at scrape time. */
export interface ReplicaSnapshot {
  readonly upstream: string;
  readonly replica: number;
  /** Upstream connection state (`ready`, `connecting`, `restarting`, `down`, …). */
  readonly state: string;
  /** Circuit breaker state, absent when the upstream has no breaker. */
  readonly breaker?: 'closed' | 'open' | 'half-open';
  /** True while outlier ejection keeps it out of rotation. */
  readonly ejected?: boolean;
}

/** One bulkhead's occupancy (upstream-wide, or a tool's own when `tool` is set). */
export interface BulkheadSnapshot {
  readonly upstream: string;
  readonly tool?: string;
  readonly inFlight: number;
  readonly queued: number;
  readonly maxConcurrent: number;
}

/**
 * What the gateway holds right now, read when Prometheus scrapes (gauges are sampled, never tracked
 * per event, so they cannot drift from the truth). The composition root implements it.
 */
export interface GatewayStateSource {
  replicas(): readonly ReplicaSnapshot[];
  bulkheads(): readonly BulkheadSnapshot[];
  /** Open sessions by era (modern callers are stateless: 0 unless a transport keeps some). */
  sessions(): Readonly<Record<'legacy' | 'modern', number>>;
  /** Bytes and entries held by the response cache store, when it can tell. */
  cache?(): { bytes: number; entries: number } | undefined;
}
