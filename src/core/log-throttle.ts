import type { Clock } from './clock.js';

/** Burst and steady rate of a LogThrottle. */
export interface LogThrottleLimits {
  readonly burst: number;
  readonly perSecond: number;
}

/**
 * A token bucket for log lines whose content an outsider controls (refused headers, malformed upstream
 * messages, a child's stderr): a flood costs a bounded number of lines, and nothing is dropped silently,
 * because the number suppressed is handed to the next line that passes (or to `flush`).
 */
export class LogThrottle {
  #tokens: number;
  #last: number;
  #suppressed = 0;

  constructor(
    private readonly clock: Clock,
    private readonly limits: LogThrottleLimits = { burst: 20, perSecond: 2 },
  ) {
    this.#tokens = limits.burst;
    this.#last = clock.now();
  }

  /**
   * Takes a token. Returns -1 when the line must be dropped (counted), otherwise the number of lines
   * dropped since the last one that passed (0 usually), for the caller to report with this line.
   */
  take(): number {
    const now = this.clock.now();
    this.#tokens = Math.min(this.limits.burst, this.#tokens + ((now - this.#last) / 1000) * this.limits.perSecond);
    this.#last = now;
    if (this.#tokens < 1) {
      this.#suppressed++;
      return -1;
    }
    this.#tokens -= 1;
    return this.flush();
  }

  /** The count suppressed so far, reset to zero (report it at the end of a stream). */
  flush(): number {
    const n = this.#suppressed;
    this.#suppressed = 0;
    return n;
  }
}

/** A caller- or upstream-controlled string cut to `max` characters for a log line, with its full length. */
export function clip(value: unknown, max = 256): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : String(value);
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}
