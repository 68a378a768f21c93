import type { TimerHandle } from '../../core/index.js';
import { errors } from '../../errors/index.js';
import type { CallContext, CallResult, Next, Policy } from '../../pipeline/index.js';
import { noopPolicy } from '../../pipeline/index.js';
import { runAbortable } from '../../resilience/index.js';
import { deadlineError } from './deadline-policy.js';

export interface AttemptTimeoutOptions {
  /** Limit of one upstream attempt; 0 or absent turns the policy off. */
  readonly attemptTimeoutMs?: number;
  /** Progress from the upstream restarts the attempt timer (default true); it never extends `ctx.deadline`. */
  readonly extendOnProgress?: boolean;
  /**
   * A deadline policy wraps this one (default false). Then the deadline policy alone ends the call at the
   * deadline, with its own `limitMs` and `setBy`; this policy only enforces the per-attempt limit. Without
   * it, both timers would fire in the same millisecond, and when this one won the race the caller got a
   * deadline error naming the time left at the last progress (e.g. 292 ms) instead of the route's limit.
   */
  readonly deadlineOutside?: boolean;
}

/**
 * The per-attempt timeout, innermost in the pipeline: each attempt gets `min(attemptTimeoutMs, remaining)`.
 * It installs `ctx.onProgress` (chaining any outer hook) so upstream progress restarts the attempt timer,
 * still clamped to the overall deadline. Expiry aborts the attempt (→ upstream cancellation) with
 * GW_TIMEOUT `scope: 'attempt'`, an upstream failure; when the deadline was the tighter bound it says `deadline`.
 */
export function createAttemptTimeoutPolicy(options: AttemptTimeoutOptions): Policy {
  const attemptMs = options.attemptTimeoutMs ?? 0;
  if (!(attemptMs > 0)) return noopPolicy;
  const extend = options.extendOnProgress ?? true;
  const clamp = options.deadlineOutside !== true;
  return {
    name: 'attempt-timeout',
    async execute(ctx: CallContext, next: Next): Promise<CallResult> {
      const { clock } = ctx;
      let timer: TimerHandle | undefined;
      let done = false;
      try {
        return await runAbortable(ctx.signal, (signal, abort) => {
          const arm = (): void => {
            if (timer !== undefined) clock.clearTimeout(timer);
            const remaining = ctx.deadline - clock.now();
            const byAttempt = !clamp || attemptMs <= remaining;
            const fire = (): void =>
              abort(byAttempt ? errors.timeout(attemptMs, 'attempt') : deadlineError(Math.max(0, Math.round(remaining))));
            timer = clock.setTimeout(fire, Math.max(0, byAttempt ? attemptMs : remaining));
          };
          const outer = ctx.onProgress;
          const onProgress = (): void => {
            outer?.();
            if (extend && !done && !signal.aborted) arm();
          };
          arm();
          return next({ ...ctx, signal, onProgress });
        });
      } finally {
        done = true;
        if (timer !== undefined) clock.clearTimeout(timer);
      }
    },
  };
}
