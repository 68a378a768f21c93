// Command-line flags of `breakwater mock-upstream`; flags overlay the script's `defaults` and top level.
import { parseArgs } from 'node:util';
import { loadScript, parseScript, ScriptError, type MockScript, type ToolBehaviour } from './script.js';

/** Everything the command needs to start, after flags and the script are merged. */
export interface MockOptions {
  transport: 'stdio' | 'http';
  port: number;
  script: MockScript;
  exposeControl: boolean;
  statsFile?: string;
}

/** `--help` output. */
export const USAGE = `Usage: breakwater mock-upstream [options]

A scripted MCP server for rehearsing upstream failures (see docs/mock-upstream.md).

  --transport stdio|http     transport to serve (default stdio)
  --port N                   http port on 127.0.0.1, 0 = random (default 0)
  --script FILE              YAML/JSON behaviour script
  --latency-ms N | P50,P99   default latency of every tool
  --error-rate R             default JSON-RPC error rate of every tool, 0..1
  --crash-after N            default: exit after answering N calls of a tool
  --hang                     default: tools never answer until cancelled
  --seed N                   seed of the deterministic randomness
  --list-changed-every-ms N  emit notifications/tools/list_changed every N ms
  --expose-control           list the __stats/__reset control tools in tools/list
  --stats-file PATH          keep the counters in PATH (JSON, rewritten on change)
  -h, --help                 show this help
`;

/** Thrown for bad flags; the caller prints the message and the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const FLAGS = {
  transport: { type: 'string' },
  port: { type: 'string' },
  script: { type: 'string' },
  'latency-ms': { type: 'string' },
  'error-rate': { type: 'string' },
  'crash-after': { type: 'string' },
  hang: { type: 'boolean' },
  seed: { type: 'string' },
  'list-changed-every-ms': { type: 'string' },
  'expose-control': { type: 'boolean' },
  'stats-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses argv (without the command name); returns undefined when help was asked for. */
export function parseMockArgs(argv: string[]): MockOptions | undefined {
  let values;
  try {
    values = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return undefined;
  const transport = values.transport ?? 'stdio';
  if (transport !== 'stdio' && transport !== 'http') throw new UsageError(`--transport must be stdio or http, got ${transport}`);
  const base = values.script ? loadScript(values.script) : parseScript({});
  const defaults: ToolBehaviour = { ...base.defaults };
  if (values['latency-ms'] !== undefined) defaults.latency = latencyFlag(values['latency-ms']);
  if (values['error-rate'] !== undefined) defaults.errorRate = num('--error-rate', values['error-rate'], 0, 1, false);
  if (values['crash-after'] !== undefined) defaults.crashAfterCalls = num('--crash-after', values['crash-after'], 0);
  if (values.hang) defaults.hang = true;
  const top: Partial<MockScript> = {};
  if (values.seed !== undefined) top.seed = num('--seed', values.seed, -(2 ** 31), 2 ** 32);
  if (values['list-changed-every-ms'] !== undefined)
    top.listChangedEveryMs = num('--list-changed-every-ms', values['list-changed-every-ms'], 0);
  // Re-validate the merged result so flags obey the same rules as the script.
  const script = parseScript({ ...base, ...top, defaults }, 'flags');
  const options: MockOptions = {
    transport,
    port: values.port === undefined ? 0 : num('--port', values.port, 0, 65535),
    script,
    exposeControl: values['expose-control'] ?? false,
  };
  if (values['stats-file'] !== undefined) options.statsFile = values['stats-file'];
  return options;
}

function latencyFlag(text: string): ToolBehaviour['latency'] {
  const [p50, p99] = text.split(',');
  const p50Ms = num('--latency-ms', p50 ?? '', 0);
  return p99 === undefined ? p50Ms : { p50Ms, p99Ms: num('--latency-ms', p99, p50Ms) };
}

function num(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER, integer = true): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} expects ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got "${text}"`);
  }
  return n;
}

export { ScriptError };
