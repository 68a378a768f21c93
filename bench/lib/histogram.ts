// A bounded log-linear latency histogram in the manner of HdrHistogram: exact to 1 µs below 2.048 ms,
// then 2,048 sub-buckets per power of two (relative error ≤ 0.05%), up to ~2^40 µs. Fixed memory (~150 KB).

const SUB_BITS = 11;
const SUB_COUNT = 1 << SUB_BITS; // values below this are stored exactly
const HALF = SUB_COUNT >> 1;
const MAX_SHIFT = 30;

/** Records durations in microseconds and answers percentiles. */
export class Histogram {
  private readonly counts = new Float64Array(SUB_COUNT + MAX_SHIFT * HALF);
  private n = 0;
  private sum = 0;
  private maxUs = 0;
  private minUs = Number.POSITIVE_INFINITY;

  /** Records one duration in milliseconds (fractional). */
  recordMs(ms: number): void {
    const us = Math.max(0, Math.round(ms * 1000));
    this.counts[indexOf(us)]! += 1;
    this.n += 1;
    this.sum += us;
    if (us > this.maxUs) this.maxUs = us;
    if (us < this.minUs) this.minUs = us;
  }

  /** Number of recorded values. */
  get count(): number {
    return this.n;
  }

  /** Mean in ms (0 when empty). */
  meanMs(): number {
    return this.n === 0 ? 0 : this.sum / this.n / 1000;
  }

  /** Largest recorded value in ms (0 when empty). */
  maxMs(): number {
    return this.maxUs / 1000;
  }

  /** Smallest recorded value in ms (0 when empty). */
  minMs(): number {
    return this.n === 0 ? 0 : this.minUs / 1000;
  }

  /** The value at percentile p (0–100) in ms: the smallest bucket value with at least p% of samples at or below. */
  percentileMs(p: number): number {
    if (this.n === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.n));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(valueOf(i), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }
}

function indexOf(us: number): number {
  if (us < SUB_COUNT) return us;
  const shift = Math.min(MAX_SHIFT, Math.floor(Math.log2(us)) - SUB_BITS + 1);
  const sub = Math.min(SUB_COUNT - 1, Math.floor(us / 2 ** shift)); // in [HALF, SUB_COUNT)
  return SUB_COUNT + (shift - 1) * HALF + (sub - HALF);
}

/** The highest value (µs) that maps to bucket i, so percentiles never under-report. */
function valueOf(i: number): number {
  if (i < SUB_COUNT) return i;
  const shift = Math.floor((i - SUB_COUNT) / HALF) + 1;
  const sub = ((i - SUB_COUNT) % HALF) + HALF;
  return (sub + 1) * 2 ** shift - 1;
}
