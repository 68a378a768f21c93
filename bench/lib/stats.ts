// Small numeric helpers.

/** Median of the finite values (NaN when there are none). */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Rounds to d decimals (null stays null). */
export function round(x: number | null | undefined, d: number): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** Median over consecutive points of Δy/Δx: a slope that one sudden jump in y (either way) does not move. */
export function medianIncrement(points: readonly { x: number; y: number }[]): number {
  const slopes: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (b.x !== a.x) slopes.push((b.y - a.y) / (b.x - a.x));
  }
  return median(slopes);
}
