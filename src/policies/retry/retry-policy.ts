import type { Random } from '../../core/index.js';
import { Emitter, systemRandom } from '../../core/index.js';
import type { CallContext, CallResult, Next, Policy } from '../../pipeline/index.js';
import { noopPolicy } from '../../pipeline/index.js';
import type { RetryBudget, RetryOn, SafetyPredicate } from '../../resilience/index.js';
import {
  failureCategory,
  fullJitterDelay,
  isSafeCall,
  isToolError,
  neverSent,
  retryAfterMs,
  sleep,
  withDefaults,
} from '../../resilience/index.js';

export type RetryEvents = {
  /** Every attempt, the first included (`attempt` counts from 1). */
  attempt: { readonly route: string; readonly attempt: number };
  /** A retry was scheduled after `delayMs`. */
  retry: {
    readonly route: string;
    /** The call's request id (observability correlates retries with calls). */
    readonly requestId?: string;
    readonly attempt: number;
    readonly delayMs: number;
    readonly reason: RetryOn;
    readonly neverSent: boolean;
  };
  /** A retry was refused because the upstream's retry budget was spent. */
  'budget-exhausted': { readonly route: string; readonly activeRetries: number; readonly activeRequests: number };
};

export interface RetryOptions {
  /** Off unless true. */
  readonly enabled?: boolean;
  /** Attempts including the first (default 3, at most 10). */
  readonly maxAttempts?: number;
  /** Full-jitter backoff: retry n waits `random(0, min(maxDelayMs, baseDelayMs·2^n))` (defaults 25 / 250 ms). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Failure categories worth retrying (default unavailable, timeout, server-error). */
  readonly retryOn?: readonly RetryOn[];
  /** Whether the call may run twice (compiled per route); requests that never reached the upstream are always safe. */
  readonly isSafe?: SafetyPredicate;
  /** Shared per upstream; without one, retries are limited by maxAttempts only. */
  readonly budget?: RetryBudget;
  readonly random?: Random;
  readonly events?: Emitter<RetryEvents>;
}

const DEFAULTS = Object.freeze({
  enabled: false,
  maxAttempts: 3,
  baseDelayMs: 25,
  maxDelayMs: 250,
  retryOn: Object.freeze(['unavailable', 'timeout', 'server-error'] as RetryOn[]) as readonly RetryOn[],
  isSafe: false as SafetyPredicate,
});

type Verdict = { retry: false } | { retry: true; delayMs: number; reason: RetryOn; neverSent: boolean };

/**
 * Retries an upstream failure when it is safe: the call is idempotent (predicate) or provably never sent,
 * nothing reached the caller yet (`state.committed`), attempts remain, the pushback (Retry-After) and the
 * backoff both fit before the deadline (else the error returns at once), and the retry budget has room.
 */
export function createRetryPolicy(options: RetryOptions): Policy {
  const o = withDefaults(DEFAULTS, options);
  if (!o.enabled || o.maxAttempts <= 1) return noopPolicy;
  const maxAttempts = Math.min(10, Math.floor(o.maxAttempts));
  const retryOn = new Set(o.retryOn);
  const random = o.random ?? systemRandom;
  const events = o.events ?? new Emitter<RetryEvents>();
  const budget = o.budget;

  const verdict = (ctx: CallContext, attempt: number, reason: RetryOn | undefined, err: unknown): Verdict => {
    if (reason === undefined || !retryOn.has(reason) || ctx.signal.aborted || ctx.state.committed || attempt >= maxAttempts)
      return { retry: false };
    const unsent = neverSent(err);
    if (!unsent && !isSafeCall(o.isSafe, ctx)) return { retry: false };
    const pushback = retryAfterMs(err);
    if (pushback !== undefined && pushback < 0) return { retry: false };
    const delayMs = Math.max(fullJitterDelay(attempt - 1, o.baseDelayMs, o.maxDelayMs, random), pushback ?? 0);
    if (ctx.clock.now() + delayMs >= ctx.deadline) return { retry: false };
    return { retry: true, delayMs, reason, neverSent: unsent };
  };

  return {
    name: 'retry',
    async execute(ctx: CallContext, next: Next): Promise<CallResult> {
      const route = ctx.route.name;
      const leave = budget?.enter(ctx.state);
      let holding = false;
      try {
        for (let attempt = 1; ; attempt++) {
          if (events.has('attempt')) events.emit('attempt', { route, attempt });
          let result: CallResult | undefined;
          let failure: unknown;
          let reason: RetryOn | undefined;
          try {
            result = await next(ctx);
            if (!isToolError(result)) return result;
            reason = 'tool-error';
          } catch (err) {
            failure = err;
            reason = failureCategory(err);
          } finally {
            if (holding) budget?.releaseRetry();
            holding = false;
          }
          const v = verdict(ctx, attempt, reason, failure);
          const giveUp = (): CallResult => {
            if (result) return result;
            throw failure;
          };
          if (!v.retry) return giveUp();
          if (budget && !budget.tryAcquireRetry()) {
            if (events.has('budget-exhausted'))
              events.emit('budget-exhausted', { route, activeRetries: budget.activeRetries, activeRequests: budget.activeRequests });
            return giveUp();
          }
          holding = budget !== undefined;
          if (events.has('retry'))
            events.emit('retry', {
              route,
              requestId: ctx.requestId,
              attempt,
              delayMs: v.delayMs,
              reason: v.reason,
              neverSent: v.neverSent,
            });
          await sleep(ctx.clock, v.delayMs, ctx.signal);
        }
      } finally {
        if (holding) budget?.releaseRetry();
        leave?.();
      }
    },
  };
}
