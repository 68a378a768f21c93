import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { num, str, type CommandDefinition, type CommandIo, type ParsedCommand } from './command.js';
import { LOG_OPTIONS } from './common-options.js';

const require = createRequire(import.meta.url);

/** Path of an installed MCP server package's entry script (run with this Node, no npx, no network). */
function serverEntry(pkg: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', 'index.js');
}

/**
 * `breakwater demo`: the gateway on 127.0.0.1 in front of three real MCP servers from npm
 * (everything, filesystem on a scratch folder, memory), with embedded defaults and no config file.
 */
export const command: CommandDefinition = {
  description: 'The servers run from node_modules (no network). The scratch folder is removed when the demo stops.',
  options: {
    port: { type: 'string', short: 'p', value: 'N', kind: 'port', help: 'listen on this port, 0 = any free port', default: '8080' },
    ...LOG_OPTIONS,
  },
  exitCodes: { 1: 'the port is busy or the demo failed to start', 130: 'stopped by a second Ctrl-C (forced, no drain)' },
  run: (args, io) => runDemo(args, io),
};

async function runDemo(args: ParsedCommand, io: CommandIo): Promise<number> {
  // Loaded here, not at the top: --help and argument errors must not pay for loading the gateway.
  const [{ parseConfig }, { cliLogger }, { runGateway }] = await Promise.all([
    import('../config/index.js'),
    import('./cli-logger.js'),
    import('./run-gateway.js'),
  ]);
  const scratch = mkdtempSync(join(tmpdir(), 'breakwater-demo-'));
  writeFileSync(join(scratch, 'hello.txt'), 'Hello from the Breakwater demo.\n');
  const node = process.execPath;
  const { config } = parseConfig(
    {
      server: { host: '127.0.0.1', port: num(args, 'port', 8080) },
      logging: { level: str(args, 'log-level') ?? 'warn' },
      upstreams: {
        everything: { command: node, args: [serverEntry('@modelcontextprotocol/server-everything'), 'stdio'] },
        fs: { command: node, args: [serverEntry('@modelcontextprotocol/server-filesystem'), scratch] },
        memory: {
          command: node,
          args: [serverEntry('@modelcontextprotocol/server-memory')],
          env: { MEMORY_FILE_PATH: join(scratch, 'memory.jsonl') },
        },
      },
    },
    '<demo>',
  );
  const log = cliLogger(config.logging.level, str(args, 'log-format'));
  try {
    return await runGateway(config, log, io, { banner: (gateway) => hints(gateway.url, scratch) });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Copy-paste commands for trying the demo from another terminal. */
function hints(url: string, scratch: string): string[] {
  // The command that runs this very CLI, so the hints work from any folder (and never fetch from npm).
  const cli = `node ${process.argv[1]}`;
  const echo = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"everything__echo","arguments":{"message":"hello"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`;
  return [
    `  upstreams: everything (server-everything), fs (server-filesystem on ${scratch}), memory (server-memory)`,
    '',
    'Try it (in another terminal):',
    `  ${cli} client list --url ${url}`,
    `  ${cli} client call --url ${url} --tool everything__echo --args '{"message":"hello"}'`,
    `  ${cli} client call --url ${url} --era modern --tool fs__read_text_file --args '{"path":"${join(scratch, 'hello.txt')}"}'`,
    'or with curl (stateless 2026-07-28 request):',
    `  curl -s ${url} -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' -H 'mcp-protocol-version: 2026-07-28' -H 'mcp-method: tools/call' -H 'mcp-name: everything__echo' -d '${echo}'`,
    '',
    'Ctrl-C drains and stops.',
    '',
  ];
}
