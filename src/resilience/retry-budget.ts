/** Options of a retry budget. */
export interface RetryBudgetOptions {
  /** Retries allowed as a percentage of requests: concurrently (Envoy) and in total (ratio gate) (default 20). */
  readonly percent?: number;
  /** Floor: this many concurrent retries are always allowed, and the ratio gate starts with as many tokens (default 3). */
  readonly minConcurrency?: number;
  /** The ratio gate (default true); false leaves Envoy's concurrency gate alone. */
  readonly ratio?: boolean;
}

const DEFAULTS = Object.freeze({ percent: 20, minConcurrency: 3, ratio: true });

/**
 * The retry budget shared by every retrying policy of one upstream (retries, failovers, hedges). Two gates:
 *
 * - **Concurrency (Envoy `retry_budget`)**: a retry may start only while
 *   `activeRetries < max(minConcurrency, ⌊percent% · activeRequests⌋)`. A call is one active request however
 *   many attempts it makes; a retry holds its slot from scheduling (backoff included) until its attempt ends.
 * - **Ratio (Finagle / gRPC A6 style)**: each call deposits `percent`% of a token, each retry spends one; the
 *   balance starts at `minConcurrency` and never grows past the concurrency limit. So over any period
 *   `retries ≤ minConcurrency + percent% · calls` — the bound an error storm needs, which the concurrency
 *   gate alone cannot give (fast failures free their slots at once, so nearly every call would retry).
 *
 * Token arithmetic is in hundredths so integer percentages never drift.
 */
export class RetryBudget {
  readonly percent: number;
  readonly minConcurrency: number;
  readonly ratio: boolean;
  #requests = 0;
  #retries = 0;
  #tokens: number;
  #entered = new WeakSet<object>();

  constructor(options: RetryBudgetOptions = {}) {
    this.percent = Math.max(0, options.percent ?? DEFAULTS.percent);
    this.minConcurrency = Math.max(0, options.minConcurrency ?? DEFAULTS.minConcurrency);
    this.ratio = options.ratio ?? DEFAULTS.ratio;
    this.#tokens = this.minConcurrency * 100;
  }

  get activeRequests(): number {
    return this.#requests;
  }

  get activeRetries(): number {
    return this.#retries;
  }

  /** The current ceiling on concurrent retries. */
  get limit(): number {
    return Math.max(this.minConcurrency, Math.floor((this.percent * this.#requests) / 100));
  }

  /** Retries the ratio gate would allow now (Infinity when it is off). */
  get tokens(): number {
    return this.ratio ? Math.floor(this.#tokens / 100) : Infinity;
  }

  /** Counts `call` (one per call, idempotent) as active and deposits its share; returns the function that ends it. */
  enter(call: object): () => void {
    if (this.#entered.has(call)) return () => {};
    this.#entered.add(call);
    this.#requests++;
    const cap = this.limit * 100;
    if (this.#tokens < cap) this.#tokens = Math.min(cap, this.#tokens + this.percent);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#entered.delete(call);
      this.#requests--;
    };
  }

  /** Takes a retry slot (and a token) if both gates allow; the caller must `releaseRetry()` once that attempt ends. */
  tryAcquireRetry(): boolean {
    if (this.#retries >= this.limit) return false;
    if (this.ratio) {
      if (this.#tokens < 100) return false;
      this.#tokens -= 100;
    }
    this.#retries++;
    return true;
  }

  /** Frees the concurrency slot (tokens are spent for good). */
  releaseRetry(): void {
    if (this.#retries > 0) this.#retries--;
  }
}
