import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { VERSION } from '../app/version.js';
import { flag, parseArgs } from './args.js';

/**
 * `breakwater client list|call`: a one-shot MCP client (the official SDK) for smoke tests and the
 * demo. `--era legacy` speaks 2025-11-25 with a session; `--era modern` pins 2026-07-28 (stateless).
 */
export async function runClient(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const [action] = args.positionals;
  const url = flag(args, 'url') ?? 'http://127.0.0.1:8080/mcp';
  const era = flag(args, 'era') ?? 'legacy';
  if (action !== 'list' && action !== 'call') {
    process.stderr.write('Usage: breakwater client list|call --url URL [--era legacy|modern] [--tool NAME] [--args JSON]\n');
    return 2;
  }
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
