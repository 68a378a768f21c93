import type { RateCheck, RateLimitStore, RateTimes, RateVerdict } from '../../policies/rate-limit/rate-limit-store.js';

/** Most keys by default; past it, fully restored keys go first (they hold nothing), then the oldest. */
const DEFAULT_MAX_KEYS = 100_000;

interface WindowCount {
  readonly start: number;
  readonly end: number;
  count: number;
}

/**
 * The in-process RateLimitStore. GCRA keeps one number per key, the theoretical arrival time (TAT):
 * a call at `now` is admitted when `max(TAT, now) + T − T·burst ≤ now`, and then TAT advances by T, so
 * over any span t at most `burst + t/T` calls pass and nothing refills in the background. Windows
 * (daily quotas) keep a count per aligned window. Keys are bounded by `maxKeys`.
 */
export class GcraRateLimitStore implements RateLimitStore {
  #tat = new Map<string, number>();
  #windows = new Map<string, WindowCount>();
  readonly #maxKeys: number;

  constructor(options: { readonly maxKeys?: number } = {}) {
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  get size(): number {
    return this.#tat.size + this.#windows.size;
  }

  acquire(checks: readonly RateCheck[], times: RateTimes): RateVerdict {
    const { now, wallNow } = times;
    let refused = -1;
    let retryAfterMs = 0;
    let tightest = 0;
    let remaining = Infinity;
    let resetMs = 0;
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!;
      let wait: number;
      let left: number;
      let reset: number;
      if (c.kind === 'gcra') {
        const tat = Math.max(this.#tat.get(c.key) ?? now, now) + c.intervalMs;
        wait = tat - c.intervalMs * c.burst - now;
        left = Math.floor((now - tat) / c.intervalMs + 1e-9) + c.burst;
        // Until fully restored: from the state after this call when it passes, from the current one when not.
        reset = wait > 0 ? tat - c.intervalMs - now : tat - now;
      } else {
        const start = Math.floor(wallNow / c.windowMs) * c.windowMs;
        const w = this.#windows.get(c.key);
        const count = w !== undefined && w.start === start ? w.count : 0;
        reset = start + c.windowMs - wallNow;
        wait = count + 1 > c.limit ? reset : 0;
        left = c.limit - count - 1;
      }
      if (wait > 0) {
        if (wait > retryAfterMs) {
          retryAfterMs = wait;
          refused = i;
          resetMs = reset;
        }
      } else if (left < remaining) {
        remaining = left;
        tightest = i;
        if (refused < 0) resetMs = reset;
      }
    }
    if (refused >= 0)
      return { allowed: false, index: refused, retryAfterMs: Math.ceil(retryAfterMs), remaining: 0, resetMs: Math.ceil(resetMs) };
    for (const c of checks) {
      if (c.kind === 'gcra') this.#setTat(c.key, Math.max(this.#tat.get(c.key) ?? now, now) + c.intervalMs, times);
      else this.#count(c.key, Math.floor(wallNow / c.windowMs) * c.windowMs, c.windowMs, times);
    }
    return { allowed: true, index: tightest, retryAfterMs: 0, remaining: Math.max(0, remaining), resetMs: Math.ceil(resetMs) };
  }

  #setTat(key: string, tat: number, times: RateTimes): void {
    if (!this.#tat.has(key) && this.size >= this.#maxKeys) this.#evict(times);
    this.#tat.set(key, tat);
  }

  #count(key: string, start: number, windowMs: number, times: RateTimes): void {
    const w = this.#windows.get(key);
    if (w !== undefined && w.start === start) return void w.count++;
    if (w === undefined && this.size >= this.#maxKeys) this.#evict(times);
    this.#windows.set(key, { start, end: start + windowMs, count: 1 });
  }

  /**
   * Makes room: first every key that holds nothing (a TAT in the past, a window that ended), then, if
   * still full, the oldest tenth (a dropped key starts from a full allowance: lenient, never stricter).
   */
  #evict({ now, wallNow }: RateTimes): void {
    for (const [k, tat] of this.#tat) if (tat <= now) this.#tat.delete(k);
    for (const [k, w] of this.#windows) if (w.end <= wallNow) this.#windows.delete(k);
    const target = Math.floor(this.#maxKeys * 0.9);
    for (const map of [this.#tat, this.#windows] as Map<string, unknown>[]) {
      for (const k of map.keys()) {
        if (this.size <= target) return;
        map.delete(k);
      }
    }
  }
}
