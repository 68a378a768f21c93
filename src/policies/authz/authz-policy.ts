import type { LogThrottle } from '../../core/index.js';
import { unknownTarget } from '../../errors/index.js';
import type { Channel, AuthorizationDecisionEvent } from '../../observability/index.js';
import type { CallContext, CallResult, Next, Policy, Route } from '../../pipeline/index.js';
import type { Authorizer } from './authorizer.js';
import type { AuthzTarget } from './rule-model.js';

export interface AuthorizationPolicyOptions {
  readonly authorizer: Authorizer;
  /** The route this pipeline serves (tool routes are compiled per tool; the others per upstream and kind). */
  readonly route: Route;
  /** Published for every decision when someone listens (audit records denials with the rule id). */
  readonly channel?: Channel<AuthorizationDecisionEvent>;
  /** Bounds the denial log lines (callers choose how many denials they cause); none: every denial is logged. */
  readonly logThrottle?: LogThrottle;
}

const METHOD_OF: Partial<Record<Route['kind'], string>> = {
  tool: 'tools/call',
  prompt: 'prompts/get',
  resource: 'resources/read',
  completion: 'completion/complete',
};

/**
 * Authorization in the call path (after the rate limit, before guards: ARCHITECTURE §1). The rules that
 * can match this route are picked once at compile time; per call only those are walked. A denial is the
 * error of a nonexistent target (unknownTarget) raised before anything upstream, so it never counts
 * against a breaker; the deciding rule goes to the log and the `authorization` channel, never on the wire.
 */
export function createAuthorizationPolicy(options: AuthorizationPolicyOptions): Policy {
  const { authorizer, route, channel, logThrottle } = options;
  const method = METHOD_OF[route.kind] ?? 'tools/call';
  const fixedName = route.kind === 'tool' ? route.name : undefined;
  const rules = authorizer.rulesFor({
    method,
    upstream: route.upstream,
    kind: route.kind,
    ...(fixedName !== undefined && { name: fixedName }),
  });
  return {
    name: 'authorization',
    execute(ctx: CallContext, next: Next): Promise<CallResult> {
      const target: AuthzTarget = { method: ctx.method, upstream: ctx.route.upstream, kind: ctx.route.kind, name: ctx.route.name };
      const decision = authorizer.decide(ctx.principal, target, argumentsOf(ctx), rules);
      if (channel?.active)
        channel.publish({
          requestId: ctx.requestId,
          principal: ctx.principal.id,
          method: ctx.method,
          upstream: target.upstream,
          name: target.name,
          allowed: decision.allowed,
          rule: decision.rule,
        });
      if (decision.allowed) return next(ctx);
      const suppressed = logThrottle?.take() ?? 0;
      if (suppressed >= 0)
        ctx.log.info(
          { rule: decision.rule, principal: ctx.principal.id, ...(suppressed > 0 && { suppressed }) },
          'call denied by authorization',
        );
      return Promise.reject(denial(ctx));
    },
  };
}

/** The arguments a `when` sees: a tool's or prompt's `arguments`, else none. */
function argumentsOf(ctx: CallContext): unknown {
  return ctx.params.arguments;
}

/** Exactly the error the dispatcher gives for a name that does not exist (see unknownTarget). */
function denial(ctx: CallContext) {
  const { kind, name } = ctx.route;
  if (kind === 'tool') return unknownTarget('tool', name, 'params.name');
  if (kind === 'prompt') return unknownTarget('prompt', name, 'params.name');
  if (kind === 'resource') return unknownTarget('resource', name, 'params.uri');
  const ref = ctx.params.ref as { type?: unknown } | undefined;
  if (kind === 'completion' && ref?.type === 'ref/resource') return unknownTarget('resource-template', name, 'params.ref.uri');
  return unknownTarget('prompt', name, 'params.ref.name');
}
