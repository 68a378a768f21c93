import { Environment } from '@marcbachmann/cel-js';
import type { Principal } from '../../pipeline/index.js';
import { globs, type CompiledCondition, type CompiledRule } from './rule-model.js';

/** A rule as the config writes it (see src/config/authorization-schema.ts). */
export interface AuthorizationRuleConfig {
  readonly id: string;
  readonly action: 'allow' | 'deny';
  readonly principals?: readonly string[] | undefined;
  readonly roles?: readonly string[] | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly claims?: Readonly<Record<string, string | number | boolean | readonly (string | number | boolean)[]>> | undefined;
  readonly upstreams?: readonly string[] | undefined;
  readonly tools?: readonly string[] | undefined;
  readonly prompts?: readonly string[] | undefined;
  readonly resources?: readonly string[] | undefined;
  readonly methods?: readonly string[] | undefined;
  readonly when?: string | undefined;
}

/** The `authorization` config section. */
export interface AuthorizationConfig {
  readonly default: 'allow' | 'deny';
  readonly rules: readonly AuthorizationRuleConfig[];
}

/** A rule that failed to compile, with the config path of the culprit. */
export class RuleCompileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'RuleCompileError';
  }
}

// One environment for every rule: the three variables are maps (claims and args are arbitrary JSON).
const environment = new Environment({ limits: { maxAstNodes: 2_000, maxDepth: 64 } })
  .registerVariable('principal', 'map')
  .registerVariable('target', 'map')
  .registerVariable('args', 'map');

/** Compiles the rules once at load: globs to regexes, CEL to evaluators. Throws RuleCompileError with the path. */
export function compileRules(config: AuthorizationConfig): CompiledRule[] {
  return config.rules.map((rule, i) => ({
    id: rule.id,
    allow: rule.action === 'allow',
    principal: principalMatcher(rule),
    upstream: globs(rule.upstreams),
    method: globs(rule.methods),
    tools: globs(rule.tools),
    prompts: globs(rule.prompts),
    resources: globs(rule.resources),
    when: rule.when === undefined ? undefined : compileCondition(rule.when, `authorization.rules.${i}.when`),
  }));
}

/** Parses one CEL condition; `path` names it in the error. */
export function compileCondition(source: string, path: string): CompiledCondition {
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = environment.parse(source);
  } catch (err) {
    throw new RuleCompileError(path, `invalid CEL expression: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  }
  return { source, usesArgs: readsIdentifier(parsed.ast, 'args'), evaluate: (activation) => parsed(activation) };
}

/** True when the AST mentions the identifier anywhere. */
function readsIdentifier(node: unknown, name: string, seen = new Set<unknown>()): boolean {
  if (typeof node !== 'object' || node === null || seen.has(node)) return false;
  seen.add(node);
  const n = node as { op?: unknown; args?: unknown };
  if (n.op === 'id' && n.args === name) return true;
  const children = Array.isArray(node) ? node : [n.args];
  return children.some((c) => readsIdentifier(c, name, seen));
}

function principalMatcher(rule: AuthorizationRuleConfig): ((p: Principal) => boolean) | undefined {
  const checks: ((p: Principal) => boolean)[] = [];
  const ids = globs(rule.principals);
  if (ids) checks.push((p) => ids(p.id));
  if (rule.roles) {
    const wanted = rule.roles;
    checks.push((p) => p.roles.some((r) => wanted.includes(r)));
  }
  if (rule.scopes) {
    const wanted = rule.scopes;
    checks.push((p) => (principalScopes(p) ?? []).some((s) => wanted.includes(s)));
  }
  if (rule.claims) {
    const wanted = Object.entries(rule.claims).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]) as readonly unknown[]] as const);
    checks.push((p) => wanted.every(([k, values]) => claimMatches(principalClaims(p)?.[k], values)));
  }
  if (checks.length === 0) return undefined;
  if (checks.length === 1) return checks[0];
  return (p) => checks.every((c) => c(p));
}

/** A claim matches when it (or, for an array claim, one of its elements) equals one of the values. */
function claimMatches(claim: unknown, values: readonly unknown[]): boolean {
  if (Array.isArray(claim)) return claim.some((c) => values.includes(c));
  return claim !== undefined && values.includes(claim);
}

/** The principal's claims, when authentication set any (the field is optional). */
export function principalClaims(p: Principal): Readonly<Record<string, unknown>> | undefined {
  return (p as { claims?: Readonly<Record<string, unknown>> }).claims;
}

/** The principal's OAuth scopes, when authentication set any. */
export function principalScopes(p: Principal): readonly string[] | undefined {
  return (p as { scopes?: readonly string[] }).scopes;
}
