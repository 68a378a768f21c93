import type { CallContext, CallResult, Next, Policy } from '../../pipeline/index.js';
import { noopPolicy } from '../../pipeline/index.js';
import type { AttemptOutcome, CircuitBreaker } from '../../resilience/index.js';
import { failureOutcome } from '../../resilience/index.js';

export interface CircuitBreakerPolicyOptions {
  /** One breaker per replica, indexed by `ctx.replica` (absent → 0). Empty turns the policy off. */
  readonly breakers: readonly CircuitBreaker[];
  /** Count upstream failures that carry pushback (Retry-After) as failures (default false). */
  readonly countPushback?: boolean;
}

/**
 * Guards calls with the breaker of the replica in `ctx.replica`: fast-fails with GW_CIRCUIT_OPEN
 * (`data.retryAfterMs`) when open or when half-open already has its probes, and records the outcome.
 * Only upstream failures count; caller errors, gateway rejections and cancellations are ignored.
 * Use it for upstreams without a replica policy; the replica policy guards its replicas itself.
 */
export function createCircuitBreakerPolicy(options: CircuitBreakerPolicyOptions): Policy {
  const { breakers } = options;
  if (breakers.length === 0) return noopPolicy;
  const countPushback = options.countPushback ?? false;
  return {
    name: 'circuit-breaker',
    async execute(ctx: CallContext, next: Next): Promise<CallResult> {
      const breaker = breakers[ctx.replica ?? 0] ?? breakers[0]!;
      const permit = breaker.tryAcquire();
      if (!permit) throw breaker.openError();
      let outcome: AttemptOutcome = 'ignored';
      try {
        const result = await next(ctx);
        outcome = 'success';
        return result;
      } catch (err) {
        outcome = failureOutcome(err, ctx.signal, countPushback);
        throw err;
      } finally {
        breaker.release(permit, outcome);
      }
    },
  };
}
