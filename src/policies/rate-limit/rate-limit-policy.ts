import type { LogThrottle } from '../../core/index.js';
import { GatewayError } from '../../errors/index.js';
import type { Channel, RateLimitDecisionEvent } from '../../observability/index.js';
import type { CallContext, CallResult, Next, Policy, Principal, Route } from '../../pipeline/index.js';
import { noopPolicy } from '../../pipeline/index.js';
import type { RateCheck, RateLimitStore, RateVerdict } from './rate-limit-store.js';
import { compileScope, principalKey, type CompiledScope, type RateLimitsConfig, type RateWindow } from './rate-limits.js';

/** Everything the per-route rate-limit policies share: the store, the compiled limits, shadow mode. */
export class RateLimiter {
  readonly shadow: boolean;
  readonly #scopes: Partial<Record<'principal' | 'principalTool' | 'upstream' | 'global', CompiledScope>> = {};

  constructor(
    readonly store: RateLimitStore,
    config: RateLimitsConfig,
  ) {
    this.shadow = config.shadow;
    for (const scope of ['principal', 'principalTool', 'upstream', 'global'] as const) {
      const limit = config[scope];
      if (limit !== undefined) this.#scopes[scope] = compileScope(scope, limit);
    }
  }

  /** The policy for one route; a no-op when no limit applies to it. */
  policyFor(route: Route, channel?: Channel<RateLimitDecisionEvent>, logThrottle?: LogThrottle): Policy {
    const { principal, principalTool, upstream, global } = this.#scopes;
    const perTool = route.kind === 'tool' ? principalTool : undefined;
    // Constant per route: the upstream and global checks, and what each check stands for.
    const fixed: RateCheck[] = [...(upstream?.checks(route.upstream) ?? []), ...(global?.checks('') ?? [])];
    const windows: RateWindow[] = [
      ...(principal?.windows ?? []),
      ...(perTool?.windows ?? []),
      ...(upstream?.windows ?? []),
      ...(global?.windows ?? []),
    ];
    if (windows.length === 0) return noopPolicy;
    // Per principal object (authentication reuses them), the call's checks are built once per route.
    const perPrincipal = new WeakMap<Principal, readonly RateCheck[]>();
    const checks = (p: Principal): readonly RateCheck[] => {
      let own = perPrincipal.get(p);
      if (own === undefined) {
        own = [...(principal?.checks(principalKey(p)) ?? []), ...(perTool?.checks(`${principalKey(p)}\0${route.name}`) ?? []), ...fixed];
        perPrincipal.set(p, own);
      }
      return own;
    };
    return createRateLimitPolicy({ store: this.store, shadow: this.shadow, windows, channel, checks, logThrottle });
  }
}
export interface RateLimitPolicyOptions {
  readonly store: RateLimitStore;
  /** The checks of one call, in the order of `windows`. */
  readonly checks: (principal: Principal) => readonly RateCheck[];
  readonly windows: readonly RateWindow[];
  /** Log and publish refusals, but let the calls through. */
  readonly shadow: boolean;
  readonly channel?: Channel<RateLimitDecisionEvent> | undefined;
  /** Bounds the shadow-mode log lines (one per would-be refusal otherwise). */
  readonly logThrottle?: LogThrottle | undefined;
}

/**
 * The rate limit in the call path (first policy: ARCHITECTURE §1): one acquire against the store per call,
 * all limits at once. A refusal is GW_RATE_LIMITED with `retryAfterMs` (HTTP 429 with Retry-After and the
 * RateLimit headers), raised before anything upstream, so it never counts against a breaker.
 */
export function createRateLimitPolicy(options: RateLimitPolicyOptions): Policy {
  const { store, checks, windows, shadow, channel, logThrottle } = options;
  const decide = (ctx: CallContext, verdict: RateVerdict, next: Next): Promise<CallResult> => {
    if (channel?.active) publish(channel, ctx, verdict, windows[verdict.index], shadow);
    if (verdict.allowed) return next(ctx);
    const window = windows[verdict.index]!;
    if (shadow) {
      const suppressed = logThrottle?.take() ?? 0;
      if (suppressed >= 0)
        ctx.log.info(
          { limit: window.scope, window: window.window, retryAfterMs: verdict.retryAfterMs, ...(suppressed > 0 && { suppressed }) },
          'rate limit exceeded (shadow: not enforced)',
        );
      return next(ctx);
    }
    return Promise.reject(rateLimited(window, verdict));
  };
  return {
    name: 'rate-limit',
    execute(ctx: CallContext, next: Next): Promise<CallResult> {
      const verdict = store.acquire(checks(ctx.principal), { now: ctx.clock.now(), wallNow: ctx.clock.wallNow() });
      return verdict instanceof Promise ? verdict.then((v) => decide(ctx, v, next)) : decide(ctx, verdict, next);
    },
  };
}

/** The refusal: which limit, when to retry, and the figures the HTTP transport turns into headers. */
export function rateLimited(window: RateWindow, verdict: RateVerdict): GatewayError {
  return new GatewayError(
    'GW_RATE_LIMITED',
    `Rate limit exceeded (${window.scope} ${window.window}: ${window.quota}); retry in ${verdict.retryAfterMs} ms`,
    {
      data: {
        retryAfterMs: verdict.retryAfterMs,
        limit: window.scope,
        window: window.window,
        quota: window.quota,
        windowSeconds: window.windowSeconds,
        remaining: verdict.remaining,
        resetMs: verdict.resetMs,
      },
    },
  );
}

function publish(
  channel: Channel<RateLimitDecisionEvent>,
  ctx: CallContext,
  verdict: RateVerdict,
  window: RateWindow | undefined,
  shadow: boolean,
): void {
  channel.publish({
    requestId: ctx.requestId,
    principal: ctx.principal.id,
    limit: window?.scope ?? 'none',
    key: window === undefined ? '' : `${window.scope}:${window.window}`,
    allowed: verdict.allowed,
    shadow: shadow && !verdict.allowed,
    retryAfterMs: verdict.retryAfterMs,
  });
}
