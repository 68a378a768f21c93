import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { systemClock } from '../../src/core/index.js';
import { GatewayError } from '../../src/errors/index.js';
import { createUpstreamConnection, type UpstreamConnection } from '../../src/upstream/index.js';
import { RESUME_ATTEMPTS } from '../../src/upstream/stream-resume.js';
import { captureLogger, control, startServer, within, type ServerProcess } from '../helpers/upstream-harness.js';

// SEP-1699 from the client side: an upstream that ends a POST's SSE stream after a priming event (id +
// retry) and keeps the response for a GET with Last-Event-ID.
const POLLING = new URL('../fixtures/upstream-raw/polling-server.mjs', import.meta.url).pathname;

const open: UpstreamConnection[] = [];
const servers: ServerProcess[] = [];
after(async () => {
  await Promise.all(open.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.stop()));
});

async function setup(mode: string): Promise<{ conn: UpstreamConnection; port: number }> {
  const server = await startServer([POLLING], { POLL_RESUME: mode });
  servers.push(server);
  const conn = createUpstreamConnection(
    { name: 'poll', kind: 'streamable-http', url: `http://127.0.0.1:${server.port}/mcp`, restart: { initialDelayMs: 10, maxDelayMs: 50 } },
    { clock: systemClock, log: captureLogger() },
  );
  open.push(conn);
  await conn.start();
  return { conn, port: server.port };
}

void describe('Streamable HTTP upstream: resuming a POST stream the server ended (SEP-1699)', () => {
  void it('resumes with GET + Last-Event-ID and delivers the rest of the call, progress included', async () => {
    const { conn, port } = await setup('ok');
    const progress: number[] = [];
    const result = await conn.request(
      'tools/call',
      { name: 'poll', arguments: {} },
      { signal: within(10_000), onProgress: (p) => progress.push(p.progress) },
    );
    assert.deepEqual(result.content, [{ type: 'text', text: 'resumed:s1' }]);
    assert.deepEqual(progress, [1], 'the progress replayed on the GET reaches the call');
    const stats = await control(port, '/_stats');
    assert.deepEqual(stats.resumes, ['s1/0'], 'one GET, naming the priming event');
  });

  void it('resumes again when a resumed stream also ends early, from the newest id', async () => {
    const { conn, port } = await setup('twice');
    const result = await conn.request('tools/call', { name: 'poll', arguments: {} }, { signal: within(10_000) });
    assert.deepEqual(result.content, [{ type: 'text', text: 'resumed:s1' }]);
    assert.deepEqual((await control(port, '/_stats')).resumes, ['s1/0', 's1/1']);
  });

  void it('resumes a POST stream that broke after its priming event', async () => {
    const { conn, port } = await setup('break');
    const result = await conn.request('tools/call', { name: 'poll', arguments: {} }, { signal: within(10_000) });
    assert.deepEqual(result.content, [{ type: 'text', text: 'resumed:s1' }]);
    assert.deepEqual((await control(port, '/_stats')).resumes, ['s1/0']);
  });

  void it('fails the call once (maybeExecuted) when the server refuses the resumption, without retrying it', async () => {
    const { conn, port } = await setup('refuse');
    const err = await conn.request('tools/call', { name: 'poll', arguments: {} }, { signal: within(10_000) }).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'GW_UPSTREAM_UNAVAILABLE');
    assert.match(err.message, /could not be resumed.*HTTP 400/);
    assert.equal((err.data as { maybeExecuted?: boolean }).maybeExecuted, true);
    const resumes = (await control(port, '/_stats')).resumes as string[];
    assert.ok(resumes.length === 1 && resumes.length < RESUME_ATTEMPTS, `a refusal is final: ${resumes.length} GETs`);
  });
});
