import { createInterface } from 'node:readline';
import { guardEntrySchema, loadConfig, type GuardEntryConfig } from '../config/index.js';
import { checkStandalone, createGuard, globsMatcher } from '../policies/guards/index.js';
import { secretOpener } from '../app/secret-wiring.js';
import { CliError, str, UsageError, type CommandDefinition, type ParsedCommand } from './command.js';

/**
 * The guard kinds `breakwater guard` knows, with the settings used when no `--config` names a tool: one
 * line per kind (the config schema fills every default).
 */
const KINDS: Record<string, (args: ParsedCommand) => unknown> = {
  sql: (a) => ({ type: 'sql', args: ['/value'], dialect: str(a, 'dialect') ?? 'postgresql' }),
  path: (a) => ({ type: 'path', args: ['/value'], roots: (str(a, 'root') ?? process.cwd()).split(',') }),
  url: () => ({ type: 'url', args: ['/value'] }),
  code: (a) => ({ type: 'code', args: ['/value'], language: str(a, 'language') ?? 'shell', strict: a.values.strict === true }),
  // Detections are reported as denials here (block), so a corpus run counts them; the gateway's default is redact.
  content: () => ({ type: 'content', args: ['/value'], html: 'block', secrets: 'block' }),
};

/** The guards of `kind` configured for a tool (every matching `guards.tools` glob, in file order). */
function configured(args: ParsedCommand, kind: string, env: Readonly<Record<string, string | undefined>>): GuardEntryConfig[] {
  const file = str(args, 'config')!;
  const upstream = str(args, 'upstream');
  const tool = str(args, 'tool');
  if (!upstream || !tool) throw new UsageError('--config needs --upstream U and --tool T (the upstream’s own tool name)');
  const { config } = loadConfig(file, env, { secrets: secretOpener });
  const u = config.upstreams[upstream];
  if (!u) throw new CliError(`${file}: no upstream "${upstream}"`, 2);
  const entries = Object.entries(u.guards.tools)
    .filter(([pattern]) => globsMatcher([pattern])(tool))
    .flatMap(([, list]) => list.filter((e) => e.type === kind));
  if (entries.length === 0) throw new CliError(`${file}: no ${kind} guard configured for ${upstream} tool ${tool}`, 2);
  return entries;
}

async function* values(args: ParsedCommand): AsyncGenerator<string> {
  const given = args.positionals.slice(1);
  if (given.length === 1 && given[0] === '-') {
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) if (line !== '') yield line;
    return;
  }
  yield* given;
}

const shown = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);

/** `breakwater guard KIND VALUE…|-`: runs a guard on values and prints each verdict (exit 3 when any is denied). */
export const command: CommandDefinition = {
  description:
    'Checks values with a guard, as the gateway would check a tool argument: built-in defaults, or the guards a config ' +
    'file sets for one tool (--config, --upstream, --tool). Prints allow/deny with the rule and reason per value; "-" reads one value per line from stdin.',
  positionals: { usage: `${Object.keys(KINDS).join('|')} VALUE...|-`, min: 2, max: 10_000, choices: Object.keys(KINDS) },
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', help: 'use the guards this config sets for --upstream/--tool' },
    upstream: { type: 'string', value: 'NAME', help: 'the upstream whose guards to use (with --config)' },
    tool: { type: 'string', value: 'NAME', help: 'the tool (upstream’s own name) whose guards to use (with --config)' },
    dialect: {
      type: 'string',
      value: 'NAME',
      help: 'sql without --config: the dialect',
      choices: ['postgresql', 'mysql', 'sqlite'],
      default: 'postgresql',
    },
    root: { type: 'string', value: 'DIRS', help: 'path without --config: comma-separated roots', default: 'the working directory' },
    language: {
      type: 'string',
      value: 'NAME',
      help: 'code without --config: the language of the values',
      choices: ['javascript', 'python', 'shell', 'argument'],
      default: 'shell',
    },
    strict: { type: 'boolean', help: 'code without --config: also deny network (and JS/Python filesystem) modules' },
    json: { type: 'boolean', help: 'one JSON object per value' },
  },
  examples: [
    "breakwater guard sql 'SELECT * FROM orders; DELETE FROM orders'",
    'breakwater guard url http://169.254.169.254/ https://example.com/',
    'breakwater guard path --config breakwater.yaml --upstream files --tool read_text_file ../etc/passwd',
    'breakwater guard sql - < queries.txt',
    "breakwater guard code --language python \"__import__('os').system('id')\"",
    'breakwater guard content - < tool-output.txt',
  ],
  exitCodes: { 0: 'every value is allowed', 2: 'a usage or config error', 3: 'at least one value is denied' },
  run: async (args, io) => {
    const kind = args.positionals[0]!;
    const entries = str(args, 'config') !== undefined ? configured(args, kind, io.env) : [guardEntrySchema.parse(KINDS[kind]!(args))];
    const guards = entries.map((e) => ({ guard: createGuard(e), mode: e.mode }));
    let denied = 0;
    for await (const value of values(args)) {
      let line: { decision: string; rule?: string; reason?: string; mode?: string } = { decision: 'allow' };
      for (const { guard, mode } of guards) {
        const v = await checkStandalone(guard, value);
        if (v.decision !== 'allow') {
          line = { decision: v.decision, rule: v.rule, reason: v.reason, ...(mode === 'monitor' && { mode }) };
          break;
        }
      }
      if (line.decision === 'deny') denied++;
      if (args.values.json === true) io.stdout.write(`${JSON.stringify({ value, ...line })}\n`);
      else
        io.stdout.write(
          line.decision === 'allow'
            ? `allow  ${shown(value)}\n`
            : `${line.decision}   ${shown(value)}  ${line.rule}: ${line.reason}${line.mode ? ' (monitor mode: the gateway would let it pass)' : ''}\n`,
        );
    }
    return denied > 0 ? 3 : 0;
  },
};
