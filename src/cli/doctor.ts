import { upstreamSpecs } from '../app/upstream-specs.js';
import { ConfigError, formatProblem, loadConfig, type UpstreamConfig } from '../config/index.js';
import { silentLogger, systemClock } from '../core/index.js';
import { createUpstreamConnection, type Connection, type UpstreamConnection } from '../upstream/index.js';
import type { CommandOutput } from './check-config.js';
import { num, str, type CommandDefinition, type CommandIo, type ParsedCommand } from './command.js';
import { warningsFor, type UpstreamFacts } from './doctor-checks.js';
import { securityFindings } from './doctor-security.js';
import { invoke } from './invoke.js';
import { secretOpener } from '../app/secret-wiring.js';
const MAX_TOOL_PAGES = 20;

/**
 * `breakwater doctor [--config FILE]`: loads the config, starts every enabled upstream (bounded by
 * `--timeout`), and prints per upstream its state, era, tool count and warnings. Exit 0 when nothing
 * needs attention, 1 with warnings, 2 on a config error or a usage error.
 */
export const command: CommandDefinition = {
  positionals: { usage: '[FILE]', max: 1 },
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', help: 'the config file (same as FILE)', default: 'breakwater.yaml' },
    timeout: { type: 'string', value: 'MS', kind: 'ms', help: 'how long each upstream may take to start', default: '15000' },
  },
  exitCodes: {
    1: 'an upstream needs attention (warnings listed), or a high-severity security finding',
    2: 'the config cannot be loaded, or a usage error',
  },
  run: (args, io) => doctor(args, io),
};

/** Runs `doctor` with `argv` (tests and embedders). */
export function runDoctor(argv: readonly string[], out: CommandOutput, env: CommandIo['env'] = process.env): Promise<number> {
  return invoke('doctor', [...argv], { ...out, env });
}

async function doctor(args: ParsedCommand, io: CommandIo): Promise<number> {
  const out = io;
  const env = io.env;
  if (str(args, 'config') !== undefined && args.positionals.length > 0) {
    out.stderr.write('breakwater doctor: give the file once, as FILE or --config FILE\n');
    return 2;
  }
  const file = str(args, 'config') ?? args.positionals[0] ?? 'breakwater.yaml';
  const timeoutMs = num(args, 'timeout', 15_000);
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(file, env, { secrets: secretOpener });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) out.stderr.write(`${formatProblem(problem)}\n`);
    return 2;
  }
  for (const w of loaded.warnings) out.stderr.write(`${file}: warning: ${w}\n`);
  const upstreams = Object.entries(loaded.config.upstreams).filter(([, u]) => u.enabled);
  const facts = await Promise.all(upstreams.map(([name, u]) => examine(name, u, timeoutMs)));
  let warnings = 0;
  for (const f of facts) {
    out.stdout.write(`${summary(f)}\n`);
    for (const w of warningsFor(f)) {
      warnings++;
      out.stdout.write(`  warning: ${w}\n`);
    }
  }
  // Exposure of the listener (authentication, TLS, key files, rate limits): a high finding fails the run.
  const findings = securityFindings(loaded.config, file);
  for (const f of findings) out.stdout.write(`security [${f.severity}]: ${f.message}\n  fix: ${f.fix}\n`);
  const high = findings.filter((f) => f.severity === 'high').length;
  out.stdout.write(`${file}: ${facts.length} upstream${facts.length === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  if (findings.length > 0)
    out.stdout.write(`${file}: ${findings.length} security finding${findings.length === 1 ? '' : 's'}, ${high} high\n`);
  return warnings > 0 || high > 0 ? 1 : 0;
}

function summary(f: UpstreamFacts): string {
  const parts = [f.state];
  if (f.info !== undefined)
    parts.push(`era ${f.info.era} (${f.info.protocolVersion})`, `server ${f.info.serverInfo.name} ${f.info.serverInfo.version}`);
  parts.push(f.config.transport);
  if (f.tools !== undefined) parts.push(`${f.tools.length} tool${f.tools.length === 1 ? '' : 's'}`);
  parts.push(`isolation ${f.config.isolation}`);
  const s = f.stats;
  if (s !== undefined && s.unattributedRequests + s.unattributedNotifications > 0)
    parts.push(`unattributed ${s.unattributedRequests} requests / ${s.unattributedNotifications} logs`);
  return `${f.name}: ${parts.join(', ')}`;
}

/** Starts the upstream's first endpoint, lists its tools, and closes it again (its process tree reaped). */
async function examine(name: string, config: UpstreamConfig, timeoutMs: number): Promise<UpstreamFacts> {
  const spec = { ...upstreamSpecs(name, config)[0]!, connectTimeoutMs: timeoutMs, restart: { ...config.restart, maxRestarts: 0 } };
  const connection = createUpstreamConnection(spec, { clock: systemClock, log: silentLogger });
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const error = await within(connection.start(), signal);
    if (error !== undefined || connection.state !== 'ready') return { name, config, state: connection.state, error: error ?? 'not ready' };
    const base = { name, config, state: 'ready', ...(connection.info && { info: connection.info }) };
    try {
      const tools = connection.info?.capabilities.tools === undefined ? [] : await listTools(connection, signal);
      return { ...base, tools, ...statsOf(connection) };
    } catch (err) {
      return { ...base, toolsError: message(err), ...statsOf(connection) };
    }
  } finally {
    await connection.close().catch(() => {});
  }
}

/** Undefined once `started` resolves; the failure's text when it rejects or the time runs out. */
async function within(started: Promise<void>, signal: AbortSignal): Promise<string | undefined> {
  let off = (): void => {};
  const timedOut = new Promise<string>((resolve) => {
    const onAbort = (): void => resolve('no handshake within the timeout');
    signal.addEventListener('abort', onAbort, { once: true });
    off = () => signal.removeEventListener('abort', onAbort);
  });
  try {
    return await Promise.race([started.then(() => undefined, message), timedOut]);
  } finally {
    off();
  }
}

async function listTools(connection: UpstreamConnection, signal: AbortSignal): Promise<{ name: string; description?: string }[]> {
  const tools: { name: string; description?: string }[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await connection.request('tools/list', cursor === undefined ? undefined : { cursor }, { signal });
    for (const t of Array.isArray(result.tools) ? (result.tools as unknown[]) : []) {
      const tool = t as { name?: unknown; description?: unknown };
      if (typeof tool.name === 'string')
        tools.push(typeof tool.description === 'string' ? { name: tool.name, description: tool.description } : { name: tool.name });
    }
    cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
    if (cursor === undefined) break;
  }
  return tools;
}

function statsOf(connection: UpstreamConnection): Pick<UpstreamFacts, 'stats'> {
  const stats = (connection as Partial<Connection>).stats;
  return stats === undefined ? {} : { stats: { ...stats } };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
