import { Emitter } from '../../core/index.js';
import { GatewayError } from '../../errors/index.js';
import type { CallContext, CallResult, Next, Policy } from '../../pipeline/index.js';
import { noopPolicy } from '../../pipeline/index.js';
import type { FailureKind } from '../../resilience/index.js';
import { classifyAttempt, hasCode } from '../../resilience/index.js';

export type FallbackEvents = {
  /** The static result replaced an error. */
  fallback: { readonly route: string; readonly kind: FailureKind; readonly code: string | undefined };
};

export interface FallbackOptions {
  /** The static result (e.g. a tools/call result with `content`); absent turns the policy off. */
  readonly result?: CallResult;
  /** Which failures it replaces (default: upstream failures and GW_CIRCUIT_OPEN). */
  readonly when?: (err: unknown, kind: FailureKind) => boolean;
  readonly events?: Emitter<FallbackEvents>;
}

const defaultWhen = (err: unknown, kind: FailureKind): boolean => kind === 'upstream-failure' || hasCode(err, 'GW_CIRCUIT_OPEN');

/**
 * A configured static result returned instead of an upstream failure (and, by default, instead of an open
 * circuit, which means the upstream is failing). Caller errors, cancellations and other gateway
 * rejections pass through unchanged. Each call gets its own copy of the result.
 */
export function createFallbackPolicy(options: FallbackOptions): Policy {
  const { result } = options;
  if (result === undefined) return noopPolicy;
  const when = options.when ?? defaultWhen;
  const events = options.events ?? new Emitter<FallbackEvents>();
  return {
    name: 'fallback',
    async execute(ctx: CallContext, next: Next): Promise<CallResult> {
      try {
        return await next(ctx);
      } catch (err) {
        const kind = classifyAttempt(err, ctx.signal);
        if (kind === 'cancelled' || !when(err, kind)) throw err;
        if (events.has('fallback'))
          events.emit('fallback', { route: ctx.route.name, kind, code: err instanceof GatewayError ? err.code : undefined });
        return structuredClone(result);
      }
    },
  };
}
