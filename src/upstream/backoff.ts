import type { Random } from '../core/index.js';
import type { ResolvedRestart } from './spec.js';

/**
 * Restart bookkeeping: exponential backoff with "equal jitter" (half fixed, half random, so restarts
 * of many replicas spread out but never come back instantly), and crash-loop detection over a
 * sliding window. The exponent is the number of restarts inside the window, so a child that stayed
 * up longer than `windowMs` starts again from `initialDelayMs`.
 */
export class RestartBudget {
  #restarts: number[] = [];

  constructor(
    private readonly policy: ResolvedRestart,
    private readonly random: Random,
  ) {}

  /** Restarts counted inside the current window. */
  get recent(): number {
    return this.#restarts.length;
  }

  /** Forgets the history (an explicit start after 'down'). */
  reset(): void {
    this.#restarts = [];
  }

  /** Records a failure at `now`: the delay before the next attempt, or undefined for a crash loop. */
  next(now: number): number | undefined {
    const from = now - this.policy.windowMs;
    while (this.#restarts.length > 0 && this.#restarts[0]! <= from) this.#restarts.shift();
    if (this.#restarts.length >= this.policy.maxRestarts) return undefined;
    this.#restarts.push(now);
    return backoffDelay(this.policy, this.#restarts.length, this.random);
  }
}

/** Delay before attempt `n` (1-based): min(max, initial·factorⁿ⁻¹) with equal jitter. */
export function backoffDelay(policy: ResolvedRestart, n: number, random: Random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, n - 1));
  return Math.round(base / 2 + (random.next() * base) / 2);
}
