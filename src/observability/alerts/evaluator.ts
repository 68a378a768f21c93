// One rule's state per subject (an upstream, or the process): pending → firing → resolving → resolved.
// Firing needs the value past the threshold for `forMs` without a break; resolving needs it past the
// threshold moved back by the hysteresis margin for `clearForMs`, so a value hovering at the threshold
// neither flaps nor re-sends (ADR 0026).

/** How a rule compares its value with its threshold. */
export type Direction = 'above' | 'below';

/** One rule's tuning. */
export interface Tuning {
  readonly threshold: number;
  readonly forMs: number;
  readonly direction: Direction;
  readonly margin: number;
  readonly clearForMs: number;
}

/** A change worth telling sinks about. */
export type Transition = 'fired' | 'resolved';

/** The per-subject state machine; `observe()` returns a transition at most once per change. */
export class Evaluator {
  firing = false;
  since: number | undefined;
  #breachSince: number | undefined;
  #clearSince: number | undefined;

  constructor(private readonly tuning: Tuning) {}

  /** Feeds one sample at monotonic time `now`; `undefined` (no data) holds the current state. */
  observe(value: number | undefined, now: number): Transition | undefined {
    if (value === undefined) return undefined;
    const t = this.tuning;
    const breach = t.direction === 'above' ? value >= t.threshold : value < t.threshold;
    // Below-rules are fractions (success rate): the margin may not push the clear point past halfway to 1.
    const clearAt = t.direction === 'above' ? t.threshold * (1 - t.margin) : Math.min(t.threshold * (1 + t.margin), (t.threshold + 1) / 2);
    const clear = t.direction === 'above' ? value < clearAt : value >= clearAt;
    if (!this.firing) {
      if (!breach) {
        this.#breachSince = undefined;
        return undefined;
      }
      this.#breachSince ??= now;
      if (now - this.#breachSince < t.forMs) return undefined;
      this.firing = true;
      this.since = now;
      this.#clearSince = undefined;
      return 'fired';
    }
    if (!clear) {
      this.#clearSince = undefined;
      return undefined;
    }
    this.#clearSince ??= now;
    if (now - this.#clearSince < t.clearForMs) return undefined;
    this.firing = false;
    this.since = now;
    this.#breachSince = undefined;
    return 'resolved';
  }
}
