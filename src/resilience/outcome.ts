import { classifyAttempt, retryAfterMs } from './classify.js';

/** What one attempt means to a breaker or an outlier detector (resilience4j: success, failure or ignored). */
export type AttemptOutcome = 'success' | 'failure' | 'ignored';

/**
 * Maps a failed attempt to a breaker outcome. Only upstream failures count; caller errors, gateway
 * rejections and cancellations are ignored (neither success nor failure). Failures carrying pushback
 * (Retry-After) are ignored too unless `countPushback`: the upstream asked us to slow down, it did not break.
 */
export function failureOutcome(err: unknown, signal: AbortSignal, countPushback = false): AttemptOutcome {
  if (classifyAttempt(err, signal) !== 'upstream-failure') return 'ignored';
  if (!countPushback && retryAfterMs(err) !== undefined) return 'ignored';
  return 'failure';
}
