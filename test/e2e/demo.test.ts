// `breakwater demo` answers tools/list and tools/call from a legacy and a modern SDK client.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { connect } from '../helpers/gateway.js';
import { waitFor } from '../helpers/mock-upstream.js';

const MAIN = new URL('../../dist/src/main.js', import.meta.url).pathname;

describe('breakwater demo', () => {
  it('serves real npm MCP servers to both protocol eras and drains on SIGINT', async () => {
    const proc = spawn(process.execPath, [MAIN, 'demo', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const output: string[] = [];
    const url = await new Promise<string>((resolve) =>
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        output.push(line);
        const m = /^breakwater listening on (\S+)$/.exec(line);
        if (m) resolve(m[1]!);
      }),
    );
    try {
      for (const era of ['legacy', 'modern'] as const) {
        const client = await connect(url, era);
        try {
          const tools = await waitFor(
            async () => {
              const names = (await client.listTools()).tools.map((t) => t.name);
              return ['everything__echo', 'fs__read_text_file', 'memory__read_graph'].every((n) => names.includes(n)) ? names : undefined;
            },
            20_000,
            'all three demo upstreams',
          );
          assert.ok(tools.length > 20);
          const echo = await client.callTool({ name: 'everything__echo', arguments: { message: era } });
          assert.deepEqual(echo.content, [{ type: 'text', text: `Echo: ${era}` }]);
        } finally {
          await client.close();
        }
      }
      assert.ok(
        output.some((l) => l.includes('client call')),
        'prints a copy-paste command',
      );
    } finally {
      proc.kill('SIGINT');
      assert.equal(await exit, 0);
    }
  });
});
