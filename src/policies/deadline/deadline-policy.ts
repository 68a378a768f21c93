import type { TimerHandle } from '../../core/index.js';
import { GatewayError } from '../../errors/index.js';
import type { CallContext, CallResult, Next, Policy } from '../../pipeline/index.js';
import { noopPolicy } from '../../pipeline/index.js';
import { runAbortable } from '../../resilience/index.js';

export interface DeadlineOptions {
  /** The route's overall limit covering every attempt and backoff; 0 or absent turns the policy off. */
  readonly deadlineMs?: number;
}

/** The GW_TIMEOUT of an expired overall deadline; `setBy` tells whether the caller's or the route's limit was hit. */
export function deadlineError(limitMs: number, setBy?: 'caller' | 'route'): GatewayError {
  const data = setBy === undefined ? { limitMs, scope: 'deadline' } : { limitMs, scope: 'deadline', setBy };
  return new GatewayError('GW_TIMEOUT', `Deadline of ${limitMs} ms exceeded`, { data });
}

/**
 * The overall deadline: `min(ctx.deadline, now + deadlineMs)` — a caller may ask for less, never more.
 * Inner policies see the absolute deadline in `ctx.deadline` and a signal that aborts at it; the caller
 * gets GW_TIMEOUT (`data.scope: 'deadline'`, `data.limitMs`) at the deadline even if the inner call lingers.
 */
export function createDeadlinePolicy(options: DeadlineOptions): Policy {
  const deadlineMs = options.deadlineMs ?? 0;
  if (!(deadlineMs > 0)) return noopPolicy;
  return {
    name: 'deadline',
    async execute(ctx: CallContext, next: Next): Promise<CallResult> {
      const { clock } = ctx;
      const now = clock.now();
      const setBy = ctx.deadline < now + deadlineMs ? 'caller' : 'route';
      const deadline = Math.min(ctx.deadline, now + deadlineMs);
      const limitMs = Math.max(0, Math.round(setBy === 'caller' ? ctx.deadline - now : deadlineMs));
      if (deadline <= now) throw deadlineError(limitMs, setBy);
      let timer: TimerHandle | undefined;
      try {
        return await runAbortable(ctx.signal, (signal, abort) => {
          // The error is built when the timer fires: an Error captures a stack, too costly for every call.
          timer = clock.setTimeout(() => abort(deadlineError(limitMs, setBy)), deadline - now);
          return next({ ...ctx, signal, deadline });
        });
      } finally {
        if (timer !== undefined) clock.clearTimeout(timer);
      }
    },
  };
}
