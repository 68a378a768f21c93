import type { CallContext } from '../pipeline/index.js';

/**
 * Whether a call may run more than once: a constant or a predicate compiled per route (operator marked the
 * tool idempotent, or a trusted upstream's readOnlyHint/idempotentHint). Requests that provably never
 * reached the upstream are safe regardless (see neverSent).
 */
export type SafetyPredicate = boolean | ((ctx: CallContext) => boolean);

/** Evaluates a SafetyPredicate for one call. */
export function isSafeCall(predicate: SafetyPredicate | undefined, ctx: CallContext): boolean {
  return typeof predicate === 'function' ? predicate(ctx) : predicate === true;
}
