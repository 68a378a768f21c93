import type { Next, Policy } from './policy.js';
import { noopPolicy } from './policy.js';

/**
 * Chains policies outermost-first in front of `terminal`. Built once per route at start-up, so the
 * per-call cost is one closure call per active policy; no-op policies are removed entirely.
 */
export function compose(policies: readonly Policy[], terminal: Next): Next {
  let next = terminal;
  for (let i = policies.length - 1; i >= 0; i--) {
    const policy = policies[i]!;
    if (policy === noopPolicy) continue;
    const inner = next;
    next = (ctx) => policy.execute(ctx, inner);
  }
  return next;
}

/** Names of the active policies in order, for logs and the admin API. */
export function describe(policies: readonly Policy[]): string[] {
  return policies.filter((p) => p !== noopPolicy).map((p) => p.name);
}
