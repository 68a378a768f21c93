// The contract between the harness and a load-generator process: one cell per process.

/** What the harness asks of one load-generator run (passed as JSON in argv[2]). */
export interface LoadCellConfig {
  /** Full MCP endpoint URL, e.g. http://127.0.0.1:8080/mcp. */
  url: string;
  /** Virtual clients, each with its own session and at most one call in flight (closed loop). */
  concurrency: number;
  /** Length of the echo `text` argument in bytes (ASCII). */
  payloadBytes: number;
  /** Send the echo text as a `SELECT '…'` statement of payloadBytes (the guarded variant's SQL guard parses it). */
  sqlPayload?: boolean;
  warmupMs: number;
  durationMs: number;
  /** Bound on opening (and on closing) all sessions. */
  setupTimeoutMs: number;
  /** Gateway process whose CPU and RSS are read around the measured window (absent for direct). */
  gatewayPid?: number;
  /** Upstream process to read CPU from (HTTP upstream). */
  upstreamPid?: number;
  /** Read upstream CPU from every descendant of this pid instead (stdio upstream spawned by the gateway). */
  upstreamParentPid?: number;
}

/** What a load-generator run prints on stdout as `RESULT <json>`. */
export interface LoadCellResult {
  calls: number;
  errors: number;
  firstError: string | null;
  windowMs: number;
  callsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  gatewayCpuMs: number | null;
  gatewayRssMb: number | null;
  upstreamCpuMs: number | null;
  /** Load generator's own CPU over the window, in % of one core: near 100 means it was the bottleneck. */
  loadgenCpuPct: number;
}

/** Prefix of the one stdout line that carries the result. */
export const RESULT_PREFIX = 'RESULT ';
