import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/core/index.js';
import { GatewayError } from '../../src/errors/index.js';
import { createUpstreamConnection, type UpstreamConnection, type UpstreamState } from '../../src/upstream/index.js';
import { captureLogger, nextEvent, startEverythingHttp, within, type ServerProcess } from '../helpers/upstream-harness.js';

void describe('legacy HTTP+SSE upstream: server-everything sse mode', () => {
  let server: ServerProcess & { url: string };
  let conn: UpstreamConnection;
  before(async () => {
    server = await startEverythingHttp('sse');
    conn = createUpstreamConnection(
      { name: 'sse', kind: 'sse', url: server.url, restart: { initialDelayMs: 10, maxDelayMs: 50, maxRestarts: 1 } },
      { clock: systemClock, log: captureLogger() },
    );
  });
  after(async () => {
    await conn.close();
    await server.stop();
  });

  void it('connects (endpoint event), initialises legacy, lists and calls', async () => {
    await conn.start();
    assert.equal(conn.info?.era, 'legacy');
    const list = await conn.request('tools/list', undefined, { signal: within(10_000) });
    assert.ok((list.tools as { name: string }[]).some((t) => t.name === 'echo'));
    const echo = await conn.request('tools/call', { name: 'echo', arguments: { message: 'sse' } }, { signal: within(10_000) });
    assert.deepEqual(echo.content, [{ type: 'text', text: 'Echo: sse' }]);
  });

  void it('correlates progress by token on the shared stream', async () => {
    const seen: number[] = [];
    await conn.request(
      'tools/call',
      { name: 'trigger-long-running-operation', arguments: { duration: 0.2, steps: 4 } },
      { signal: within(10_000), onProgress: (p) => seen.push(p.progress) },
    );
    assert.deepEqual(seen, [1, 2, 3, 4]);
  });

  void it('the stream ending fails pending calls at once and the connection reconnects (or goes down)', async () => {
    const lost = nextEvent<{ state: UpstreamState }>(
      (l) => conn.events.on('state', l),
      (e) => e.state === 'restarting',
    );
    const pending = conn
      .request('tools/call', { name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 2 } }, { signal: within(10_000) })
      .catch((e: unknown) => e);
    await server.stop();
    const err = await pending;
    assert.ok(err instanceof GatewayError && err.code === 'GW_UPSTREAM_UNAVAILABLE', String(err));
    await lost;
  });
});
