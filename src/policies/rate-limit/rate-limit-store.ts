/**
 * The RateLimitStore port (ARCHITECTURE §2): in-process GCRA now (src/store/memory/), Redis (one Lua
 * script per acquire) for many replicas later. Design: docs/adr/0012-gcra-rate-limits-and-store-port.md.
 */

/** A sustained rate with a burst (GCRA), or a count per fixed wall-clock window (daily quotas). */
export type RateCheck =
  | {
      readonly kind: 'gcra';
      readonly key: string;
      /** Emission interval T: period / limit, in ms. */
      readonly intervalMs: number;
      /** Calls admitted at once from a full allowance (≥ 1). */
      readonly burst: number;
    }
  | {
      readonly kind: 'window';
      readonly key: string;
      /** Window length in ms; windows are aligned to the Unix epoch (a day window is a UTC day). */
      readonly windowMs: number;
      readonly limit: number;
    };

/** The answer to one acquire. */
export interface RateVerdict {
  readonly allowed: boolean;
  /** Refused: the check that frees last. Allowed: the check with the fewest calls left. */
  readonly index: number;
  /** Refused: ms until a retry passes every check that refused; 0 when allowed. */
  readonly retryAfterMs: number;
  /** Calls the `index` check still admits now (after this one when allowed). */
  readonly remaining: number;
  /** Ms until the `index` check is fully restored (GCRA) or its window ends. */
  readonly resetMs: number;
}

/** Times of one acquire: monotonic ms for GCRA, epoch ms for windows. */
export interface RateTimes {
  readonly now: number;
  readonly wallNow: number;
}

export interface RateLimitStore {
  /**
   * Checks every limit and spends one call from each only when all admit (all or nothing, so a refused
   * call costs no allowance anywhere). Synchronous in process; a shared store answers with a promise.
   */
  acquire(checks: readonly RateCheck[], times: RateTimes): RateVerdict | Promise<RateVerdict>;
}
