/** The label value every name past the cap is counted under. */
export const OTHER = 'other';

/**
 * Bounds a label's values (ADR: metrics naming and cardinality): the first `max` distinct values are kept,
 * later ones fold into `other`, so a caller sending many names (or an upstream listing thousands of tools)
 * cannot grow the scrape without bound.
 */
export class LabelCap {
  readonly #seen = new Set<string>();

  constructor(readonly max: number) {}

  /** The value to use as the label: `value` while under the cap (or already seen), else `other`. */
  value(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.max) return OTHER;
    this.#seen.add(value);
    return value;
  }
}

/**
 * Caches one prom-client child per label combination: `labels()` hashes its arguments on every call,
 * a Map lookup on a joined key is several times cheaper on the per-call path.
 */
export class ChildCache<C> {
  readonly #children = new Map<string, C>();

  constructor(private readonly make: (labels: readonly string[]) => C) {}

  /** The child for these label values (in the metric's label order). */
  get(...labels: string[]): C {
    const key = labels.join('\u0000');
    let child = this.#children.get(key);
    if (child === undefined) {
      child = this.make(labels);
      this.#children.set(key, child);
    }
    return child;
  }
}
