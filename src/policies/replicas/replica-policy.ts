import type { CallContext, CallResult, Next, Policy } from '../../pipeline/index.js';
import { noopPolicy } from '../../pipeline/index.js';
import type { RetryBudget, SafetyPredicate } from '../../resilience/index.js';
import { classifyAttempt, isSafeCall, neverSent } from '../../resilience/index.js';
import { runHedged } from './hedge.js';
import type { ReplicaGroupOptions } from './replica-group.js';
import { createReplicaGroup } from './replica-group.js';
import type { ReplicaStrategy } from './replica-picker.js';
import type { ReplicaSet } from './replica-set.js';

export interface ReplicaOptions extends Partial<ReplicaGroupOptions> {
  /** The upstream's shared replica state (createReplicaGroup); built from the group options when absent. */
  readonly group?: ReplicaSet;
  readonly strategy?: ReplicaStrategy;
  /** Hedged strategy: start another replica after this delay (default 500 ms), at most maxHedges extra (default 1). */
  readonly hedgeDelayMs?: number;
  readonly maxHedges?: number;
  /** Attempts per call over distinct replicas, the first included (default: all replicas). */
  readonly maxAttempts?: number;
  /** Whether the call may run twice (failover after a maybe-executed failure, hedging). */
  readonly isSafe?: SafetyPredicate;
  /** Failovers and hedges are retries: they draw from the upstream's retry budget. */
  readonly budget?: RetryBudget;
}

/**
 * Chooses the replica of each attempt and sets `ctx.replica` for `next`. Failover moves to the next
 * replica after an upstream failure that is safe to retry (never sent, or a safe call), skipping open
 * breakers; weighted and least-loaded spread load and fail over the same way; hedged races replicas for
 * safe calls (others run as failover). Breakers and ejection see only upstream failures.
 */
export function createReplicaPolicy(options: ReplicaOptions): Policy {
  const set = options.group ?? createReplicaGroup({ ...options, replicas: options.replicas ?? 1 });
  const n = set.size;
  if (n <= 1 && !set.guarded) return noopPolicy;
  const strategy = options.strategy ?? 'failover';
  const { events } = set;
  const maxAttempts = Math.max(1, Math.min(n, options.maxAttempts ?? n));
  const { budget, isSafe } = options;
  const hedge = { set, budget, hedgeDelayMs: options.hedgeDelayMs ?? 500, maxHedges: Math.max(0, options.maxHedges ?? 1) };

  const mayFailover = (ctx: CallContext, err: unknown): boolean =>
    classifyAttempt(err, ctx.signal) === 'upstream-failure' && !ctx.state.committed && (neverSent(err) || isSafeCall(isSafe, ctx));

  return {
    name: 'replicas',
    async execute(ctx: CallContext, next: Next): Promise<CallResult> {
      if (strategy === 'hedged' && hedge.maxHedges > 0 && isSafeCall(isSafe, ctx)) return runHedged(ctx, next, hedge);
      const route = ctx.route.name;
      const tried = new Set<number>();
      const leave = budget?.enter(ctx.state);
      let lastError: unknown;
      let previous = -1;
      try {
        for (let attempt = 0; attempt < maxAttempts; attempt++) {
          if (attempt > 0 && !mayFailover(ctx, lastError)) break;
          const holding = attempt > 0 && budget !== undefined;
          if (holding && !budget.tryAcquireRetry()) {
            if (events.has('budget-exhausted'))
              events.emit('budget-exhausted', { route, activeRetries: budget.activeRetries, activeRequests: budget.activeRequests });
            break;
          }
          try {
            const choice = set.choose(strategy, tried, route);
            if (!choice) {
              if (attempt === 0) throw set.openError(ctx.route.upstream);
              break;
            }
            if (attempt > 0 && events.has('failover'))
              events.emit('failover', { route, requestId: ctx.requestId, from: previous, to: choice.replica });
            tried.add(choice.replica);
            previous = choice.replica;
            return await set.run(choice, ctx, next);
          } catch (err) {
            lastError = err;
            if (attempt === 0 && tried.size === 0) throw err;
          } finally {
            if (holding) budget.releaseRetry();
          }
        }
        throw lastError;
      } finally {
        leave?.();
      }
    },
  };
}
