// A legacy HTTP+SSE upstream (server-everything in sse mode) behind the gateway, for both client eras.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { connect, serverEntry, startGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/mock-upstream.js';
import { freePort } from '../helpers/upstream-harness.js';

describe('legacy SSE upstream', () => {
  let gw: TestGateway;
  let proc: ReturnType<typeof spawn>;

  before(async () => {
    const port = await freePort();
    const preload = new URL('../helpers/bind-loopback.mjs', import.meta.url).pathname;
    proc = spawn(process.execPath, ['--import', preload, serverEntry('@modelcontextprotocol/server-everything'), 'sse'], {
      env: { ...process.env, PORT: String(port) },
      stdio: 'ignore',
    });
    await waitFor(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/sse`, { signal: AbortSignal.timeout(500) }).catch(() => undefined))?.status === 200
          ? true
          : undefined,
      15_000,
      'the SSE server',
    );
    gw = await startGateway({ upstreams: { legacy: { url: `http://127.0.0.1:${port}/sse`, transport: 'sse' } } });
  });
  after(async () => {
    await gw?.stop();
    proc?.kill('SIGTERM');
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`${era} client lists and calls through it, with progress`, async () => {
      const client = await connect(gw.url, era);
      try {
        const { tools } = await client.listTools();
        assert.ok(tools.some((t) => t.name === 'legacy__echo'));
        const echo = await client.callTool({ name: 'legacy__echo', arguments: { message: 'over sse' } });
        assert.deepEqual(echo.content, [{ type: 'text', text: 'Echo: over sse' }]);
        const progress: number[] = [];
        await client.callTool(
          { name: 'legacy__trigger-long-running-operation', arguments: { duration: 0.2, steps: 4 } },
          { onprogress: (p) => void progress.push(p.progress) },
        );
        assert.deepEqual(progress, [1, 2, 3, 4]);
      } finally {
        await client.close();
      }
    });
  }
});
