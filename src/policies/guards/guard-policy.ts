import { GatewayError } from '../../errors/index.js';
import type { GuardDecisionEvent } from '../../observability/index.js';
import type { CallContext, CallResult, Policy } from '../../pipeline/index.js';
import type { Guard, GuardVerdict } from './guard.js';
import { compilePointer, replaceAt, type CompiledPointer } from './json-pointer.js';

/** A guard applied to some arguments (before the call) or parts of the result (after it). */
export interface GuardBinding {
  readonly guard: Guard;
  readonly pointers: readonly CompiledPointer[];
  readonly mode: 'enforce' | 'monitor';
  readonly on: 'arguments' | 'result';
}

/** Where guard decisions go (the `guard` channel of src/observability/channels.ts). */
export interface GuardEventSink {
  readonly active: boolean;
  publish(event: GuardDecisionEvent): void;
}

export interface GuardPolicyOptions {
  readonly bindings: readonly GuardBinding[];
  readonly events?: GuardEventSink;
}

/** Binds a guard to pointers (compiled once). */
export function bindGuard(
  guard: Guard,
  pointers: readonly string[],
  mode: 'enforce' | 'monitor',
  on: 'arguments' | 'result' = 'arguments',
): GuardBinding {
  return { guard, pointers: pointers.map(compilePointer), mode, on };
}

/** The wire error of a refused call: names the argument (or result part) and the rule, never the value. */
export function guardRejected(kind: string, rule: string, reason: string, path: string, mode: 'enforce' | 'monitor'): GatewayError {
  const where = path.startsWith('/result') ? `Result ${path}` : path === '' ? 'The arguments' : `Argument ${path}`;
  return new GatewayError('GW_GUARD_REJECTED', `${where} refused by the ${kind} guard (${rule}): ${reason}`, {
    data: { guard: kind, rule, path, mode },
  });
}

/**
 * The guards of one tool route (ARCHITECTURE §1: after authorization, before the deadline, so a refused
 * call costs no upstream capacity and a guard's own I/O is not charged to the tool's deadline). A guard
 * that throws counts as a deny (fail closed). Rejections are the gateway's own: they never reach a breaker.
 * Design: docs/adr/0016-guard-framework-and-placement.md.
 */
export function createGuardPolicy(options: GuardPolicyOptions): Policy {
  const before = options.bindings.filter((b) => b.on === 'arguments');
  const after = options.bindings.filter((b) => b.on === 'result');
  const events = options.events;

  async function run(bindings: readonly GuardBinding[], document: unknown, ctx: CallContext, prefix: string): Promise<unknown> {
    let doc = document;
    for (const b of bindings)
      for (const p of b.pointers)
        for (const found of p.find(doc)) {
          let verdict: GuardVerdict;
          try {
            const v = b.guard.check({ value: found.value, pointer: found.pointer, document: doc, signal: ctx.signal });
            verdict = v instanceof Promise ? await v : v;
          } catch (error) {
            ctx.log.error({ guard: b.guard.kind, err: error instanceof Error ? error.message : String(error) }, 'guard failed');
            verdict = { decision: 'deny', rule: `${b.guard.kind}.error`, reason: 'the guard failed to check this value' };
          }
          if (verdict.decision === 'allow') {
            if (events?.active) publish(ctx, b, prefix + found.pointer, '', 'allow');
            continue;
          }
          const path = prefix + found.pointer + (verdict.decision === 'deny' ? (verdict.at ?? '') : '');
          if (events?.active) publish(ctx, b, path, verdict.rule, verdict.decision);
          const fields = { guard: b.guard.kind, rule: verdict.rule, path, mode: b.mode };
          if (b.mode === 'monitor') {
            ctx.log.info(fields, `guard would ${verdict.decision} (monitor mode)`);
            continue;
          }
          if (verdict.decision === 'deny') {
            ctx.log.warn(fields, 'guard rejected the call');
            throw guardRejected(b.guard.kind, verdict.rule, verdict.reason, path, b.mode);
          }
          ctx.log.info(fields, 'guard redacted a value');
          doc = replaceAt(doc, found.pointer, verdict.value);
        }
    return doc;
  }

  function publish(ctx: CallContext, b: GuardBinding, path: string, rule: string, decision: GuardDecisionEvent['decision']): void {
    events?.publish({
      requestId: ctx.requestId,
      upstream: ctx.route.upstream,
      name: ctx.route.name,
      guard: b.guard.kind,
      rule,
      path,
      mode: b.mode,
      decision,
    });
  }

  return {
    name: 'guards',
    async execute(ctx, next): Promise<CallResult> {
      let call = ctx;
      if (before.length > 0) {
        const args = ctx.params.arguments ?? {};
        const checked = await run(before, args, ctx, '');
        if (checked !== args) call = { ...ctx, params: { ...ctx.params, arguments: checked as Record<string, unknown> } };
      }
      const result = await next(call);
      if (after.length === 0 || result.isError === true) return result;
      return (await run(after, result, call, '/result')) as CallResult;
    },
  };
}
