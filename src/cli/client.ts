import type { Client } from '@modelcontextprotocol/client';
import { VERSION } from '../app/version.js';
import { CliError, str, UsageError, type CommandDefinition, type CommandIo, type ParsedCommand } from './command.js';
import { describeClientError } from './client-errors.js';
import { renderResult } from './client-output.js';
import { closest } from './values.js';

/**
 * `breakwater client list|call`: a one-shot MCP client (the official SDK) for smoke tests and the
 * demo. `--era legacy` speaks 2025-11-25 with a session (closed with DELETE at the end); `--era modern`
 * pins 2026-07-28 (stateless).
 */
export const command: CommandDefinition = {
  positionals: { usage: 'list|call', min: 1, max: 1, choices: ['list', 'call'] },
  options: {
    url: { type: 'string', short: 'u', value: 'URL', help: 'the gateway endpoint', default: 'http://127.0.0.1:8080/mcp' },
    era: {
      type: 'string',
      choices: ['legacy', 'modern'],
      help: 'legacy = 2025-11-25 with a session, modern = 2026-07-28 stateless',
      default: 'legacy',
    },
    tool: { type: 'string', short: 't', value: 'NAME', help: 'call: the tool to call, as listed (e.g. everything__echo)' },
    args: { type: 'string', short: 'a', value: 'JSON', help: 'call: the tool arguments as a JSON object', default: '{}' },
    json: { type: 'boolean', help: 'print the raw JSON result (for scripts)' },
  },
  examples: [
    'breakwater client list',
    'breakwater client call --tool everything__echo --args \'{"message":"hello"}\'',
    'breakwater client list --era modern --json | jq -r ".[].name"',
  ],
  exitCodes: { 1: 'the gateway cannot be reached, the request failed, the tool returned isError, or (list) no tools' },
  run: (args, io) => runClient(args, io),
};

async function runClient(args: ParsedCommand, io: CommandIo): Promise<number> {
  const action = args.positionals[0]!;
  const url = str(args, 'url') ?? 'http://127.0.0.1:8080/mcp';
  const era = str(args, 'era') ?? 'legacy';
  const json = args.values.json === true;
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw new UsageError(`--url must be an absolute URL such as http://127.0.0.1:8080/mcp (got ${JSON.stringify(url)})`);
  }
  const name = str(args, 'tool');
  if (action === 'call' && name === undefined)
    throw new UsageError('client call needs --tool NAME (list them with: breakwater client list)');
  const toolArgs = action === 'call' ? jsonArgs(str(args, 'args') ?? '{}') : {};
  // The SDK loads only when a request is made (not for --help or argument errors).
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  const client = new Client(
    { name: 'breakwater-cli', version: VERSION },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  const transport = new StreamableHTTPClientTransport(parsedUrl);
  try {
    try {
      await client.connect(transport);
    } catch (err) {
      throw new CliError(describeClientError(err, 'connect', url));
    }
    if (action === 'list') return await list(client, io, { url, era, json });
    return await call(client, io, { url, json, name: name!, args: toolArgs });
  } finally {
    // A legacy session would otherwise stay open on the gateway until its idle timeout.
    if (transport.sessionId !== undefined) await transport.terminateSession().catch(() => {});
    await client.close().catch(() => {});
  }
}

async function list(client: Client, io: CommandIo, o: { url: string; era: string; json: boolean }): Promise<number> {
  let tools: Awaited<ReturnType<Client['listTools']>>['tools'];
  try {
    tools = (await client.listTools()).tools;
  } catch (err) {
    throw new CliError(describeClientError(err, 'tools/list', o.url));
  }
  if (o.json) io.stdout.write(`${JSON.stringify(tools, null, 2)}\n`);
  else {
    io.stdout.write(`${tools.length} tools (${o.era} era):\n`);
    for (const t of tools) io.stdout.write(`  ${t.name}${t.description ? ` — ${t.description.split('\n')[0]}` : ''}\n`);
  }
  if (tools.length > 0) return 0;
  // No tools is what a gateway whose upstreams all failed looks like: say so rather than succeed.
  io.stderr.write(`breakwater client: the gateway lists no tools${await readiness(o.url)}\n`);
  return 1;
}

async function call(
  client: Client,
  io: CommandIo,
  o: { url: string; json: boolean; name: string; args: Record<string, unknown> },
): Promise<number> {
  let result: Awaited<ReturnType<Client['callTool']>>;
  try {
    result = await client.callTool({ name: o.name, arguments: o.args });
  } catch (err) {
    throw new CliError(`${describeClientError(err, `tools/call ${o.name}`, o.url)}${await suggestion(client, o.name)}`);
  }
  if (o.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else (result.isError === true ? io.stderr : io.stdout).write(renderResult(result));
  return result.isError === true ? 1 : 0;
}

/** "; did you mean everything__echo?" when NAME is not a listed tool but resembles one. */
async function suggestion(client: Client, name: string): Promise<string> {
  const names = await client.listTools().then(
    (r) => r.tools.map((t) => t.name),
    () => [] as string[],
  );
  if (names.length === 0 || names.includes(name)) return '';
  const suffix = names.filter((n) => n.endsWith(`__${name}`) || n.endsWith(`_${name}`));
  const guess = suffix.length > 0 ? suffix : [closest(name, names)].filter((n): n is string => n !== undefined);
  return guess.length > 0
    ? `; did you mean ${guess.slice(0, 3).join(' or ')}?`
    : `; no tool ${JSON.stringify(name)} (list them with: breakwater client list)`;
}

/** Why the gateway has no tools, from its /readyz (upstream states), when it answers. */
async function readiness(url: string): Promise<string> {
  try {
    const res = await fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as { upstreams?: unknown; details?: { upstreams?: unknown } };
    const states = Object.entries((body.upstreams ?? body.details?.upstreams ?? {}) as Record<string, unknown>).map(
      ([n, s]) => `${n} ${upstreamState(s)}`,
    );
    if (states.length === 0) return ': it has no upstreams configured';
    return `: upstreams ${states.join(', ')} (see the gateway's log, or run breakwater doctor)`;
  } catch {
    return ' (check the gateway log, or run breakwater doctor)';
  }
}

/** One upstream's state from /readyz: a string, or `{ ready, replicas: [{ state }] }`. */
function upstreamState(s: unknown): string {
  if (typeof s === 'string') return s;
  const replicas = (s as { replicas?: { state?: unknown }[] } | null)?.replicas;
  return Array.isArray(replicas) ? replicas.map((r) => String(r.state)).join(',') : 'unknown';
}

function jsonArgs(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--args must be a JSON object, e.g. '{"message":"hello"}' (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`--args must be a JSON object, e.g. '{"message":"hello"}'`);
  return value as Record<string, unknown>;
}
