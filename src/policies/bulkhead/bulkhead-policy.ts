import { Emitter } from '../../core/index.js';
import type { CallContext, CallResult, Next, Policy } from '../../pipeline/index.js';
import { noopPolicy } from '../../pipeline/index.js';
import { GatewayError } from '../../errors/index.js';
import { withDefaults } from '../../resilience/index.js';
import { Bulkhead } from './bulkhead.js';

export type BulkheadEvents = {
  /** A call waited in the queue. */
  queued: { readonly route: string; readonly queued: number };
  /** A call was shed with GW_OVERLOADED. */
  rejected: { readonly route: string; readonly reason: string };
};

export interface BulkheadOptions {
  /** Off unless true (default true when maxConcurrent > 0). */
  readonly enabled?: boolean;
  /** Calls in flight at once (default 64). */
  readonly maxConcurrent?: number;
  /** Calls waiting beyond that, FIFO (default 128; 0 = shed at once). */
  readonly maxQueue?: number;
  /** Longest wait in the queue (default 5 000 ms; the deadline may cut it shorter). */
  readonly maxQueueWaitMs?: number;
  /** Suggested to shed callers in `data.retryAfterMs` (default 1 000). */
  readonly retryAfterMs?: number;
  /** Share one Bulkhead between pipelines (all tools of an upstream) and read its gauges; built from the limits otherwise. */
  readonly bulkhead?: Bulkhead;
  readonly events?: Emitter<BulkheadEvents>;
}

const DEFAULTS = Object.freeze({ enabled: true, maxConcurrent: 64, maxQueue: 128, maxQueueWaitMs: 5_000, retryAfterMs: 1_000 });

/**
 * Concurrency limit with a bounded FIFO queue and a maximum queue wait. Excess calls fail fast with
 * GW_OVERLOADED (`data.retryAfterMs`); the slot is released in `finally`, whatever the outcome.
 */
export function createBulkheadPolicy(options: BulkheadOptions): Policy {
  const o = withDefaults(DEFAULTS, options);
  if (!o.enabled || !(o.maxConcurrent > 0)) return noopPolicy;
  const bulkhead = o.bulkhead ?? new Bulkhead(o);
  const events = o.events ?? new Emitter<BulkheadEvents>();
  return {
    name: 'bulkhead',
    async execute(ctx: CallContext, next: Next): Promise<CallResult> {
      if (!bulkhead.tryAcquire()) {
        if (events.has('queued')) events.emit('queued', { route: ctx.route.name, queued: bulkhead.queued + 1 });
        try {
          await bulkhead.enqueue(ctx.clock, ctx.signal);
        } catch (err) {
          if (events.has('rejected') && err instanceof GatewayError && err.code === 'GW_OVERLOADED')
            events.emit('rejected', { route: ctx.route.name, reason: String(err.data?.reason) });
          throw err;
        }
      }
      try {
        return await next(ctx);
      } finally {
        bulkhead.release();
      }
    },
  };
}
