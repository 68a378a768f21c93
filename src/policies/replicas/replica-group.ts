import type { Clock, Random } from '../../core/index.js';
import { Emitter, systemClock, systemRandom } from '../../core/index.js';
import type { CircuitBreaker } from '../../resilience/index.js';
import type { EjectionOptions } from './outlier-ejection.js';
import { OutlierEjector } from './outlier-ejection.js';
import type { ReplicaEvents } from './replica-events.js';
import { ReplicaPicker } from './replica-picker.js';
import { ReplicaSet } from './replica-set.js';

/** The per-upstream state of its replicas. */
export interface ReplicaGroupOptions {
  /** Number of replicas of the upstream (dispatch reads `ctx.replica`, 0-based). */
  readonly replicas: number;
  /** Relative weights for weighted and least-loaded tie-breaks (default 1 each). */
  readonly weights?: readonly number[];
  /** One breaker per replica; an open breaker's replica is skipped, all open → GW_CIRCUIT_OPEN. */
  readonly breakers?: readonly CircuitBreaker[];
  /** Outlier ejection; false turns it off (default on with EjectionOptions defaults when replicas > 1). */
  readonly ejection?: EjectionOptions | false;
  /** Count upstream failures that carry pushback (Retry-After) against breakers and ejection (default false). */
  readonly countPushback?: boolean;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly events?: Emitter<ReplicaEvents>;
}

/**
 * Builds the replica state of one upstream: breakers, ejection, in-flight counts and the weighted
 * round-robin position. Create one per upstream and pass it as `group` to the replica policy of every
 * route of that upstream; the composition root owns it (it outlives compiled pipelines across reloads).
 */
export function createReplicaGroup(options: ReplicaGroupOptions): ReplicaSet {
  const n = Math.max(1, Math.floor(options.replicas));
  const events = options.events ?? new Emitter<ReplicaEvents>();
  const ejector =
    options.ejection === false || n <= 1
      ? undefined
      : new OutlierEjector(n, options.ejection ?? {}, options.clock ?? systemClock, options.random ?? systemRandom, events);
  return new ReplicaSet(
    n,
    new ReplicaPicker(options.weights ?? []),
    options.breakers ?? [],
    ejector,
    events,
    options.countPushback ?? false,
  );
}
