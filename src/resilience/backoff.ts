import type { Random } from '../core/index.js';

/** The ceiling of the n-th retry's delay (n from 0): `min(cap, base · 2^n)`; 0 for a non-positive base. */
export function backoffCeiling(retry: number, baseMs: number, capMs: number): number {
  if (!(baseMs > 0) || !(capMs > 0)) return 0;
  return Math.min(capMs, baseMs * 2 ** Math.max(0, retry));
}

/** Full-jitter exponential backoff (AWS, Envoy, gRPC A6): uniform in `[0, min(cap, base · 2^n))`. */
export function fullJitterDelay(retry: number, baseMs: number, capMs: number, random: Random): number {
  return random.next() * backoffCeiling(retry, baseMs, capMs);
}

/** `ms` spread uniformly over `[ms·(1−f), ms·(1+f))`, so many instances do not act in lock-step. */
export function withJitter(ms: number, fraction: number, random: Random): number {
  const f = Math.min(1, Math.max(0, fraction));
  return ms * (1 - f + 2 * f * random.next());
}
