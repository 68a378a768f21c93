/** Randomness source in [0, 1); injected so jitter is reproducible in tests. */
export interface Random {
  next(): number;
}

/** `Math.random` as a Random. */
export const systemRandom: Random = { next: () => Math.random() };

/** A seeded PRNG (mulberry32) for deterministic tests and reproducible chaos runs. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
