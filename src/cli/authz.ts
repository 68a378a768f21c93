import type { BreakwaterConfig } from '../config/index.js';
import { ConfigError, formatProblem, loadConfig } from '../config/index.js';
import type { Principal, PrincipalKind } from '../pipeline/index.js';
import { Authorizer, RuleCompileError, type AuthzTarget } from '../policies/authz/index.js';
import { secretOpener } from '../app/secret-wiring.js';
import { str, type CommandDefinition } from './command.js';

const KINDS: readonly PrincipalKind[] = ['anonymous', 'api-key', 'jwt', 'introspection', 'config'];

/**
 * `breakwater authz explain`: which authorization rule decides a call, and why every rule before it did
 * not (the same compiled rules the gateway runs). Exit 0 when allowed, 3 when denied.
 */
export const command: CommandDefinition = {
  description:
    'Explains an authorization decision: every rule in order, skipped or deciding, and why. The principal is ' +
    'written id[,roles=a|b][,scopes=s|t][,kind=api-key][,claims.NAME=value]…; the target is a client-visible ' +
    'tool or prompt name (namespaced, as tools/list shows it) or a resource URI.',
  positionals: { usage: 'explain', min: 1, max: 1, choices: ['explain'] },
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', help: 'the config file', default: 'breakwater.yaml' },
    principal: { type: 'string', value: 'SPEC', help: 'who calls: id[,roles=a|b][,scopes=…][,kind=…][,claims.NAME=…]' },
    tool: { type: 'string', value: 'NAME', help: 'the tool as callers see it (e.g. everything__echo)' },
    prompt: { type: 'string', value: 'NAME', help: 'a prompt instead of a tool' },
    resource: { type: 'string', value: 'URI', help: 'a resource URI instead of a tool' },
    upstream: { type: 'string', value: 'NAME', help: 'the upstream (default: the one whose prefix the name carries)' },
    args: { type: 'string', value: 'JSON', help: 'the call’s arguments, for rules whose `when` reads args', default: '{}' },
  },
  examples: [
    'breakwater authz explain --config breakwater.yaml --principal ann,roles=analyst --tool db__query --args \'{"limit":5000}\'',
    'breakwater authz explain --principal svc-build,kind=api-key --resource file:///etc/hosts',
  ],
  exitCodes: { 1: 'the config is invalid or has no authorization section', 3: 'the call would be denied' },
  run: async (args, io) => {
    const fail = (message: string, code = 2): number => (io.stderr.write(`breakwater authz: ${message}\n`), code);
    const spec = str(args, 'principal');
    if (spec === undefined) return fail('--principal is required (e.g. --principal ann,roles=analyst)');
    const named = (['tool', 'prompt', 'resource'] as const).filter((k) => str(args, k) !== undefined);
    if (named.length !== 1) return fail('name exactly one target: --tool, --prompt or --resource');
    let principal: Principal;
    let callArgs: unknown;
    try {
      principal = parsePrincipal(spec);
      callArgs = JSON.parse(str(args, 'args') ?? '{}');
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
    const file = str(args, 'config') ?? 'breakwater.yaml';
    let config: BreakwaterConfig;
    try {
      config = loadConfig(file, io.env, { secrets: secretOpener }).config;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const problem of err.problems) io.stderr.write(`${formatProblem(problem)}\n`);
      return 1;
    }
    if (config.authorization === undefined) return fail(`${file} has no authorization section: every call is allowed`, 1);
    let authorizer: Authorizer;
    try {
      authorizer = new Authorizer(config.authorization);
    } catch (err) {
      if (err instanceof RuleCompileError) return fail(err.message, 1);
      throw err;
    }
    const kind = named[0]!;
    const name = str(args, kind)!;
    const upstream = str(args, 'upstream') ?? ownerOf(config, name) ?? '';
    const target: AuthzTarget = {
      method: kind === 'tool' ? 'tools/call' : kind === 'prompt' ? 'prompts/get' : 'resources/read',
      upstream,
      kind,
      name,
    };
    const { decision, trace } = authorizer.explain(principal, target, callArgs);
    io.stdout.write(`principal ${principal.id} (${principal.kind}), roles [${principal.roles.join(', ')}]\n`);
    io.stdout.write(`target    ${target.method} ${name} on upstream ${upstream || '(unknown: give --upstream)'}\n`);
    const width = Math.max(4, ...trace.map((t) => t.rule.length));
    trace.forEach((t, i) =>
      io.stdout.write(`  ${String(i + 1).padStart(2)}. ${t.rule.padEnd(width)} ${t.action.padEnd(5)} ${t.outcome}: ${t.reason}\n`),
    );
    if (decision.rule === 'default') io.stdout.write(`  no rule matched: the default action (${config.authorization.default}) applies\n`);
    io.stdout.write(`decision: ${decision.allowed ? 'allow' : 'deny'} (rule ${decision.rule})\n`);
    return decision.allowed ? 0 : 3;
  },
};

/** `id[,roles=a|b][,scopes=s|t][,kind=K][,claims.NAME=V]` → a Principal (claims values stay strings, or numbers/booleans written as JSON). */
export function parsePrincipal(spec: string): Principal {
  const [id, ...parts] = spec.split(',');
  if (!id || id.includes('=')) throw new Error(`--principal: expected the id first (got ${JSON.stringify(spec)})`);
  let kind: PrincipalKind = 'api-key';
  const roles: string[] = [];
  const scopes: string[] = [];
  const claims: Record<string, unknown> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (eq < 1) throw new Error(`--principal: expected key=value, got ${JSON.stringify(part)}`);
    if (key === 'roles' || key === 'role') roles.push(...value.split(/[|+]/).filter(Boolean));
    else if (key === 'scopes' || key === 'scope') scopes.push(...value.split(/[|+ ]/).filter(Boolean));
    else if (key === 'kind') {
      if (!(KINDS as readonly string[]).includes(value)) throw new Error(`--principal: kind must be one of ${KINDS.join(', ')}`);
      kind = value as PrincipalKind;
    } else if (key.startsWith('claims.') || key.startsWith('claim.')) claims[key.slice(key.indexOf('.') + 1)] = claimValue(value);
    else throw new Error(`--principal: unknown key ${JSON.stringify(key)} (roles, scopes, kind, claims.NAME)`);
  }
  return { id, kind, roles, scopes, claims };
}

function claimValue(text: string): unknown {
  if (/^(true|false|-?\d+(\.\d+)?)$/.test(text)) return JSON.parse(text) as unknown;
  return text.includes('|') ? text.split('|') : text;
}

/** The enabled upstream whose prefix (and separator) the name starts with, longest prefix first. */
function ownerOf(config: BreakwaterConfig, name: string): string | undefined {
  let best: [string, number] | undefined;
  for (const [upstream, u] of Object.entries(config.upstreams)) {
    const head = `${u.prefix}${config.namespace.separator}`;
    if (u.prefix !== '' && name.startsWith(head) && head.length > (best?.[1] ?? 0)) best = [upstream, head.length];
  }
  return best?.[0];
}
