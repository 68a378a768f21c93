import type { TimerHandle } from '../../core/index.js';
import { onAbort } from '../../core/index.js';
import { errors } from '../../errors/index.js';
import type { CallContext, CallResult, Next } from '../../pipeline/index.js';
import type { RetryBudget } from '../../resilience/index.js';
import { classifyAttempt } from '../../resilience/index.js';
import type { ReplicaSet } from './replica-set.js';

/** What a hedged call needs from the replica policy. */
export interface HedgeDeps {
  readonly set: ReplicaSet;
  readonly hedgeDelayMs: number;
  readonly maxHedges: number;
  readonly budget: RetryBudget | undefined;
}

/**
 * Runs a safe call hedged: the primary starts at once; while nothing has answered, another replica starts
 * after each `hedgeDelayMs` (and at once after an upstream failure), up to `maxHedges` extra attempts,
 * each charged to the retry budget. The first answer wins (a success, or an error that is not an upstream
 * failure); the others are aborted, which cancels them upstream. No hedge starts once the call is committed.
 */
export function runHedged(ctx: CallContext, next: Next, deps: HedgeDeps): Promise<CallResult> {
  const { set, budget } = deps;
  const { events } = set;
  const route = ctx.route.name;
  return new Promise<CallResult>((resolve, reject) => {
    const tried = new Set<number>();
    const controllers = new Set<AbortController>();
    const leave = budget?.enter(ctx.state);
    let hedges = 0;
    let running = 0;
    let settled = false;
    let timer: TimerHandle | undefined;
    let lastError: unknown;
    let offAbort = (): void => {};

    /** Settles once; the attempts still running are aborted with `reason` (the caller's, or "lost"). */
    const finish = (settle: () => void, reason?: unknown): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) ctx.clock.clearTimeout(timer);
      offAbort();
      leave?.();
      const lost = reason ?? (controllers.size > 0 ? errors.cancelled('hedged attempt lost') : undefined);
      for (const c of controllers) c.abort(lost);
      settle();
    };

    const start = (hedge: boolean): boolean => {
      if (settled) return false;
      if (hedge) {
        if (hedges >= deps.maxHedges || ctx.state.committed || ctx.signal.aborted) return false;
        if (budget && !budget.tryAcquireRetry()) {
          if (events.has('budget-exhausted'))
            events.emit('budget-exhausted', { route, activeRetries: budget.activeRetries, activeRequests: budget.activeRequests });
          return false;
        }
      }
      const choice = set.choose('hedged', tried, route);
      if (!choice) {
        if (hedge) budget?.releaseRetry();
        return false;
      }
      tried.add(choice.replica);
      if (hedge && events.has('hedge'))
        events.emit('hedge', { route, requestId: ctx.requestId, replica: choice.replica, hedge: hedges + 1 });
      if (hedge) hedges++;
      // Each attempt has its own signal; the caller's abort reaches it through finish() (one listener, not one per attempt).
      const controller = new AbortController();
      controllers.add(controller);
      running++;
      const done = (): void => {
        running--;
        controllers.delete(controller);
        if (hedge) budget?.releaseRetry();
      };
      set.run(choice, { ...ctx, signal: controller.signal }, next).then(
        (result) => {
          done();
          finish(() => resolve(result));
        },
        (err: unknown) => {
          done();
          if (settled) return;
          lastError = err;
          if (classifyAttempt(err, controller.signal) !== 'upstream-failure') return finish(() => reject(err));
          if (!start(true) && running === 0) finish(() => reject(lastError));
        },
      );
      return true;
    };

    const onTimer = (): void => {
      timer = undefined;
      if (start(true) && hedges < deps.maxHedges) timer = ctx.clock.setTimeout(onTimer, deps.hedgeDelayMs);
    };

    offAbort = onAbort(ctx.signal, (reason) => finish(() => reject(reason), reason));
    if (settled) return;
    if (!start(false)) return finish(() => reject(set.openError(ctx.route.upstream)));
    if (!settled) timer = ctx.clock.setTimeout(onTimer, deps.hedgeDelayMs);
  });
}
