import type { Principal } from '../../pipeline/index.js';
import { compileRules, principalClaims, principalScopes, type AuthorizationConfig } from './compile-rules.js';
import { targetMatches, type AuthzDecision, type AuthzTarget, type CompiledRule } from './rule-model.js';

/** Why one rule did or did not decide, for `breakwater authz explain`. */
export interface RuleTrace {
  readonly rule: string;
  readonly action: 'allow' | 'deny';
  readonly outcome: 'decides' | 'skipped';
  readonly reason: string;
}

const EMPTY_ARGS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The compiled authorization rules (ordered, first match wins, then the default action) and the three
 * questions asked of them: may this call go (`decide`), may this caller see this list item (`visible`),
 * and why (`explain`). Design: docs/adr/0011-authorization-rules-and-cel.md.
 */
export class Authorizer {
  readonly rules: readonly CompiledRule[];
  readonly defaultAllow: boolean;
  /** The CEL view of each principal object, built once (authentication reuses principals across calls). */
  #views = new WeakMap<Principal, Record<string, unknown>>();

  constructor(config: AuthorizationConfig) {
    this.rules = compileRules(config);
    this.defaultAllow = config.default === 'allow';
  }

  /**
   * The rules that can ever match a target whose fields are known up to `name` (undefined: any name):
   * compiled once per route, so a call only walks the few rules about its route.
   */
  rulesFor(partial: Omit<AuthzTarget, 'name'> & { readonly name?: string }): readonly CompiledRule[] {
    if (partial.name !== undefined) return this.rules.filter((r) => targetMatches(r, partial as AuthzTarget));
    return this.rules.filter((r) =>
      targetMatches({ ...r, tools: undefined, prompts: undefined, resources: undefined }, { ...partial, name: '' }),
    );
  }

  /** The decision for one call: the first rule whose target, principal and `when` match. */
  decide(principal: Principal, target: AuthzTarget, args: unknown, rules: readonly CompiledRule[] = this.rules): AuthzDecision {
    for (const rule of rules) {
      if (!targetMatches(rule, target)) continue;
      if (rule.principal !== undefined && !rule.principal(principal)) continue;
      if (rule.when !== undefined && !this.#holds(rule, principal, target, args)) continue;
      return { allowed: rule.allow, rule: rule.id };
    }
    return { allowed: this.defaultAllow, rule: 'default' };
  }

  /**
   * Whether a list shows the item to this caller: true when some call to it may be allowed. A rule whose
   * `when` reads `args` cannot be decided without a call: an allow of that kind shows the item (a
   * `limit: 10` call may pass), a deny of that kind is passed over (another call may not match it).
   */
  visible(principal: Principal, target: AuthzTarget): boolean {
    for (const rule of this.rules) {
      if (!targetMatches(rule, target)) continue;
      if (rule.principal !== undefined && !rule.principal(principal)) continue;
      if (rule.when?.usesArgs) {
        if (rule.allow) return true;
        continue;
      }
      if (rule.when !== undefined && !this.#holds(rule, principal, target, EMPTY_ARGS)) continue;
      return rule.allow;
    }
    return this.defaultAllow;
  }

  /** Every rule in order with why it decides or is skipped, then the decision (for the CLI). */
  explain(principal: Principal, target: AuthzTarget, args: unknown): { decision: AuthzDecision; trace: RuleTrace[] } {
    const trace: RuleTrace[] = [];
    for (const rule of this.rules) {
      const action = rule.allow ? 'allow' : 'deny';
      const skip = (reason: string) => trace.push({ rule: rule.id, action, outcome: 'skipped', reason });
      if (!targetMatches(rule, target)) {
        skip('target does not match (upstreams/methods/tools/prompts/resources)');
        continue;
      }
      if (rule.principal !== undefined && !rule.principal(principal)) {
        skip('principal does not match (principals/roles/scopes/claims)');
        continue;
      }
      if (rule.when !== undefined) {
        const { value, error } = this.#evaluate(rule, principal, target, args);
        if (error !== undefined) {
          if (rule.allow) {
            skip(`when failed to evaluate (${error}): an allow rule then does not match`);
            continue;
          }
          trace.push({
            rule: rule.id,
            action,
            outcome: 'decides',
            reason: `when failed to evaluate (${error}): a deny rule then matches (fail closed)`,
          });
          return { decision: { allowed: false, rule: rule.id }, trace };
        }
        if (value !== true) {
          skip(`when \`${rule.when.source}\` is ${JSON.stringify(value)}`);
          continue;
        }
      }
      const why =
        rule.when === undefined ? 'target and principal match' : `target and principal match, when \`${rule.when.source}\` is true`;
      trace.push({ rule: rule.id, action, outcome: 'decides', reason: why });
      return { decision: { allowed: rule.allow, rule: rule.id }, trace };
    }
    return { decision: { allowed: this.defaultAllow, rule: 'default' }, trace };
  }

  /**
   * A `when` holds when it evaluates to exactly `true`. An evaluation error (a missing argument, a type
   * mismatch) fails closed: an allow rule does not match, a deny rule does.
   */
  #holds(rule: CompiledRule, principal: Principal, target: AuthzTarget, args: unknown): boolean {
    const { value, error } = this.#evaluate(rule, principal, target, args);
    return error === undefined ? value === true : !rule.allow;
  }

  #evaluate(rule: CompiledRule, principal: Principal, target: AuthzTarget, args: unknown): { value?: unknown; error?: string } {
    try {
      const activation = { principal: this.#view(principal), target, args: isObject(args) ? args : EMPTY_ARGS };
      return { value: rule.when!.evaluate(activation) };
    } catch (err) {
      return { error: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
    }
  }

  #view(p: Principal): Record<string, unknown> {
    let view = this.#views.get(p);
    if (view === undefined) {
      view = { id: p.id, kind: p.kind, roles: p.roles, scopes: principalScopes(p) ?? [], claims: principalClaims(p) ?? {} };
      this.#views.set(p, view);
    }
    return view;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
