/** How a replica is chosen for each attempt. */
export type ReplicaStrategy = 'failover' | 'weighted' | 'least-loaded' | 'hedged';

/**
 * Chooses one replica from a candidate pool (ascending indices, never empty). failover and hedged take
 * the first (the primary, then the next); weighted is nginx's smooth weighted round robin (even spread,
 * no bursts); least-loaded takes the fewest in-flight calls, ties to the higher weight, then the lower index.
 */
export class ReplicaPicker {
  readonly #weights: readonly number[];
  readonly #current: number[];

  constructor(weights: readonly number[]) {
    this.#weights = weights;
    this.#current = weights.map(() => 0);
  }

  pick(strategy: ReplicaStrategy, pool: readonly number[], inFlight: readonly number[]): number {
    if (strategy === 'weighted') return this.#smoothWeighted(pool);
    if (strategy === 'least-loaded') return this.#leastLoaded(pool, inFlight);
    return pool[0]!;
  }

  #weight(i: number): number {
    return this.#weights[i] ?? 1;
  }

  #smoothWeighted(pool: readonly number[]): number {
    let total = 0;
    let best = pool[0]!;
    for (const i of pool) {
      const w = this.#weight(i);
      this.#current[i] = (this.#current[i] ?? 0) + w;
      total += w;
      if (this.#current[i]! > this.#current[best]!) best = i;
    }
    this.#current[best] = this.#current[best]! - total;
    return best;
  }

  #leastLoaded(pool: readonly number[], inFlight: readonly number[]): number {
    let best = pool[0]!;
    for (const i of pool) {
      const load = inFlight[i] ?? 0;
      const bestLoad = inFlight[best] ?? 0;
      if (load < bestLoad || (load === bestLoad && this.#weight(i) > this.#weight(best))) best = i;
    }
    return best;
  }
}
