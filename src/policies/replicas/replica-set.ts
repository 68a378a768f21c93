import type { Emitter } from '../../core/index.js';
import { GatewayError } from '../../errors/index.js';
import type { CallContext, CallResult, Next } from '../../pipeline/index.js';
import type { AttemptOutcome, BreakerPermit, CircuitBreaker } from '../../resilience/index.js';
import { failureOutcome } from '../../resilience/index.js';
import type { OutlierEjector } from './outlier-ejection.js';
import type { ReplicaEvents } from './replica-events.js';
import type { ReplicaPicker, ReplicaStrategy } from './replica-picker.js';

/** A chosen replica with its breaker permit (null when the replica has no breaker). */
export interface ReplicaChoice {
  readonly replica: number;
  readonly permit: BreakerPermit | null;
}

/**
 * The replicas of one upstream as the replica policy sees them: breakers (hard: an open breaker is
 * never used), outlier ejection (soft: ejected replicas are used only in panic, when nothing else is
 * left), in-flight counts, and the bookkeeping of every attempt. One per upstream, shared by the replica
 * policies of all its routes (see createReplicaGroup), so health learnt on one tool applies to all.
 */
export class ReplicaSet {
  readonly inFlight: number[];

  constructor(
    readonly size: number,
    private readonly picker: ReplicaPicker,
    private readonly breakers: readonly CircuitBreaker[],
    private readonly ejector: OutlierEjector | undefined,
    readonly events: Emitter<ReplicaEvents>,
    private readonly countPushback: boolean,
  ) {
    this.inFlight = new Array<number>(size).fill(0);
  }

  /** True when some replica has a breaker (then even a single replica needs the policy). */
  get guarded(): boolean {
    return this.breakers.length > 0;
  }

  /** Picks a replica not in `excluded` whose breaker admits the call; undefined when none is left. */
  choose(strategy: ReplicaStrategy, excluded: ReadonlySet<number>, route: string): ReplicaChoice | undefined {
    const refused = new Set<number>();
    for (;;) {
      const eligible: number[] = [];
      const healthy: number[] = [];
      for (let i = 0; i < this.size; i++) {
        if (excluded.has(i) || refused.has(i) || this.breakers[i]?.state === 'open') continue;
        eligible.push(i);
        if (!this.ejector?.isEjected(i)) healthy.push(i);
      }
      if (eligible.length === 0) return undefined;
      if (healthy.length === 0 && this.events.has('panic')) this.events.emit('panic', { route, candidates: eligible });
      const replica = this.picker.pick(strategy, healthy.length > 0 ? healthy : eligible, this.inFlight);
      const breaker = this.breakers[replica];
      const permit = breaker ? breaker.tryAcquire() : null;
      if (permit !== undefined) return { replica, permit };
      refused.add(replica);
    }
  }

  /** GW_CIRCUIT_OPEN for a call no replica admits; retryAfterMs is the soonest any breaker probes. */
  openError(upstream: string): GatewayError {
    const retryAfterMs = Math.min(...this.breakers.map((b) => b.retryAfterMs()));
    return new GatewayError('GW_CIRCUIT_OPEN', `Every replica of ${upstream} has an open circuit breaker`, {
      data: { upstream, retryAfterMs: Number.isFinite(retryAfterMs) ? retryAfterMs : 0 },
    });
  }

  /** Runs one attempt on the chosen replica and records its outcome with the breaker and the ejector. */
  async run(choice: ReplicaChoice, ctx: CallContext, next: Next): Promise<CallResult> {
    const { replica, permit } = choice;
    this.inFlight[replica]!++;
    let outcome: AttemptOutcome = 'ignored';
    try {
      const result = await next({ ...ctx, replica });
      outcome = 'success';
      return result;
    } catch (err) {
      outcome = failureOutcome(err, ctx.signal, this.countPushback);
      throw err;
    } finally {
      this.inFlight[replica]!--;
      if (permit) this.breakers[replica]?.release(permit, outcome);
      this.ejector?.record(replica, outcome);
    }
  }
}
