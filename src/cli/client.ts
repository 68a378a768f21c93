import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { VERSION } from '../app/version.js';
import { str as flag, type CommandDefinition, type ParsedCommand } from './command.js';

/**
 * `breakwater client list|call`: a one-shot MCP client (the official SDK) for smoke tests and the
 * demo. `--era legacy` speaks 2025-11-25 with a session; `--era modern` pins 2026-07-28 (stateless).
 */
export const command: CommandDefinition = {
  positionals: { usage: 'list|call', min: 1, max: 1, choices: ['list', 'call'] },
  options: {
    url: { type: 'string', value: 'URL', help: 'the gateway endpoint', default: 'http://127.0.0.1:8080/mcp' },
    era: {
      type: 'string',
      choices: ['legacy', 'modern'],
      help: 'legacy = 2025-11-25 with a session, modern = 2026-07-28 stateless',
      default: 'legacy',
    },
    tool: { type: 'string', value: 'NAME', help: 'call: the tool to call, as listed (e.g. everything__echo)' },
    args: { type: 'string', value: 'JSON', help: 'call: the tool arguments as a JSON object', default: '{}' },
  },
  run: (args) => runClient(args),
};

async function runClient(args: ParsedCommand): Promise<number> {
  const [action] = args.positionals;
  const url = flag(args, 'url') ?? 'http://127.0.0.1:8080/mcp';
  const era = flag(args, 'era') ?? 'legacy';
  const client = new Client(
    { name: 'breakwater-cli', version: VERSION },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    if (action === 'list') {
      const { tools } = await client.listTools();
      process.stdout.write(`${tools.length} tools (${era} era):\n`);
      for (const t of tools) process.stdout.write(`  ${t.name}${t.description ? ` — ${t.description.split('\n')[0]}` : ''}\n`);
      return 0;
    }
    const name = flag(args, 'tool');
    if (!name) {
      process.stderr.write('client call: --tool NAME is required\n');
      return 2;
    }
    const toolArgs = JSON.parse(flag(args, 'args') ?? '{}') as Record<string, unknown>;
    const result = await client.callTool({ name, arguments: toolArgs });
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return result.isError ? 1 : 0;
  } catch (err) {
    process.stderr.write(`client ${action} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await client.close().catch(() => {});
  }
}
