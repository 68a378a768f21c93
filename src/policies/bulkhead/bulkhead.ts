import type { Clock, TimerHandle } from '../../core/index.js';
import { onAbort } from '../../core/index.js';
import { GatewayError } from '../../errors/index.js';

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
  timer: TimerHandle;
  clock: Clock;
  off: () => void;
}

/** Why a call was shed. */
export type ShedReason = 'queue-full' | 'queue-timeout';

/** Limits of one bulkhead. */
export interface BulkheadLimits {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  readonly maxQueueWaitMs: number;
  /** Suggested in GW_OVERLOADED `data.retryAfterMs` (default 1 000). */
  readonly retryAfterMs?: number;
}

/**
 * A concurrency limit with a bounded FIFO queue. A released slot is handed straight to the oldest
 * waiter (no barging), and a waiter that aborts or times out leaves the queue at once, so aborted
 * callers can never starve the queue (cockatiel #112).
 */
export class Bulkhead {
  readonly limits: BulkheadLimits;
  #inFlight = 0;
  #queue: Waiter[] = [];

  constructor(limits: BulkheadLimits) {
    this.limits = limits;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Takes a slot if one is free and nobody is queued ahead. */
  tryAcquire(): boolean {
    if (this.#inFlight >= this.limits.maxConcurrent || this.#queue.length > 0) return false;
    this.#inFlight++;
    return true;
  }

  /** Queues for a slot; rejects with GW_OVERLOADED when the queue is full or the wait expires, or with the abort reason. */
  enqueue(clock: Clock, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#queue.length >= this.limits.maxQueue) return Promise.reject(this.overloaded('queue-full'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, clock, timer: undefined as unknown as TimerHandle, off: () => {} };
      const leave = (err: unknown): void => {
        const i = this.#queue.indexOf(waiter);
        if (i < 0) return;
        this.#queue.splice(i, 1);
        clock.clearTimeout(waiter.timer);
        waiter.off();
        reject(err);
      };
      waiter.timer = clock.setTimeout(() => leave(this.overloaded('queue-timeout')), this.limits.maxQueueWaitMs);
      waiter.off = onAbort(signal, leave);
      this.#queue.push(waiter);
    });
  }

  /** Frees a slot, handing it to the oldest waiter if any. */
  release(): void {
    const waiter = this.#queue.shift();
    if (!waiter) {
      this.#inFlight--;
      return;
    }
    waiter.clock.clearTimeout(waiter.timer);
    waiter.off();
    waiter.resolve();
  }

  /** The shed error: the gateway's own rejection, so it never counts against a breaker. */
  overloaded(reason: ShedReason): GatewayError {
    const retryAfterMs = this.limits.retryAfterMs ?? 1_000;
    return new GatewayError('GW_OVERLOADED', `Overloaded: ${reason === 'queue-full' ? 'queue full' : 'waited too long in the queue'}`, {
      data: { reason, retryAfterMs, maxConcurrent: this.limits.maxConcurrent, maxQueue: this.limits.maxQueue },
    });
  }
}
