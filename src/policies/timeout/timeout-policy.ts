import { anySignal } from '../../core/index.js';
import { errors } from '../../errors/index.js';
import type { CallContext, CallResult, Next, Policy } from '../../pipeline/index.js';
import { noopPolicy } from '../../pipeline/index.js';

export interface TimeoutOptions {
  /** Limit in ms; 0 or absent turns the policy off. */
  readonly timeoutMs?: number;
  /** Named in the GW_TIMEOUT error so the caller knows which limit fired. */
  readonly scope?: string;
}

/**
 * A real per-call timeout: the call's signal aborts at `min(now + timeoutMs, ctx.deadline)` and the
 * caller gets GW_TIMEOUT naming the limit. The abort reaches the upstream as a cancellation.
 */
export function createTimeoutPolicy(options: TimeoutOptions): Policy {
  const timeoutMs = options.timeoutMs ?? 0;
  if (timeoutMs <= 0) return noopPolicy;
  const scope = options.scope ?? 'call timeout';
  return {
    name: 'timeout',
    async execute(ctx: CallContext, next: Next): Promise<CallResult> {
      const { clock } = ctx;
      const now = clock.now();
      const deadline = Math.min(ctx.deadline, now + timeoutMs);
      const limitMs = Math.round(Math.min(timeoutMs, ctx.deadline - now));
      const controller = new AbortController();
      // The error is built only when the timer fires: capturing a stack per call is not free.
      const timer = clock.setTimeout(() => controller.abort(errors.timeout(limitMs, scope)), Math.max(0, limitMs));
      const linked = anySignal([ctx.signal, controller.signal]);
      try {
        return await next({ ...ctx, signal: linked.signal, deadline });
      } catch (err) {
        if (controller.signal.aborted && !ctx.signal.aborted) throw controller.signal.reason;
        throw err;
      } finally {
        clock.clearTimeout(timer);
        linked.dispose();
      }
    },
  };
}
