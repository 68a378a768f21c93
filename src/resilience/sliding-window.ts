/** Aggregates over the window: calls, failures and slow calls. */
export interface WindowCounts {
  readonly total: number;
  readonly failures: number;
  readonly slow: number;
}

/**
 * A time-based sliding window of `buckets` partial aggregations (resilience4j): recording and reading
 * are O(1) amortised, because a bucket leaving the window is subtracted from the running sums once.
 * Time is the caller's monotonic clock, so wall-clock jumps never move buckets.
 */
export class SlidingWindow {
  readonly #bucketMs: number;
  readonly #size: number;
  readonly #total: number[];
  readonly #failures: number[];
  readonly #slow: number[];
  #lastId: number | undefined;
  #sum = { total: 0, failures: 0, slow: 0 };

  constructor(windowMs: number, buckets: number) {
    this.#size = Math.max(1, Math.floor(buckets));
    this.#bucketMs = Math.max(1, windowMs / this.#size);
    this.#total = new Array<number>(this.#size).fill(0);
    this.#failures = new Array<number>(this.#size).fill(0);
    this.#slow = new Array<number>(this.#size).fill(0);
  }

  /** Records one call at `now`. */
  record(now: number, failure: boolean, slow: boolean): void {
    const slot = this.#advance(now);
    this.#total[slot]!++;
    this.#sum.total++;
    if (failure) {
      this.#failures[slot]!++;
      this.#sum.failures++;
    }
    if (slow) {
      this.#slow[slot]!++;
      this.#sum.slow++;
    }
  }

  /** Counts over the window ending at `now`. */
  counts(now: number): WindowCounts {
    this.#advance(now);
    return { ...this.#sum };
  }

  reset(): void {
    this.#total.fill(0);
    this.#failures.fill(0);
    this.#slow.fill(0);
    this.#sum = { total: 0, failures: 0, slow: 0 };
    this.#lastId = undefined;
  }

  /** Evicts buckets that left the window and returns the slot of the bucket holding `now`. */
  #advance(now: number): number {
    const id = Math.floor(now / this.#bucketMs);
    const last = this.#lastId;
    if (last === undefined || id - last >= this.#size) {
      if (last !== undefined) this.reset();
    } else {
      for (let i = last + 1; i <= id; i++) this.#clear(this.#slotOf(i));
    }
    if (last === undefined || id > last) this.#lastId = id;
    return this.#slotOf(Math.max(id, this.#lastId ?? id));
  }

  #slotOf(id: number): number {
    return ((id % this.#size) + this.#size) % this.#size;
  }

  #clear(slot: number): void {
    this.#sum.total -= this.#total[slot]!;
    this.#sum.failures -= this.#failures[slot]!;
    this.#sum.slow -= this.#slow[slot]!;
    this.#total[slot] = 0;
    this.#failures[slot] = 0;
    this.#slow[slot] = 0;
  }
}
