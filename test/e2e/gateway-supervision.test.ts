// A stdio upstream killed mid-call: fast error, restart, next call succeeds, no orphan.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mockFiles, waitFor } from '../helpers/mock-upstream.js';
import { alive, connect, startGateway, type TestGateway } from '../helpers/gateway.js';

const MOCK = new URL('../fixtures/mock-upstream-entry.ts', import.meta.url).pathname;

describe('stdio upstream supervision through the gateway', () => {
  let gw: TestGateway;
  const mock = mockFiles({ tools: { hang: { hang: true } } });

  before(async () => {
    gw = await startGateway({
      upstreams: {
        mock: {
          command: process.execPath,
          args: ['--import', 'tsx', MOCK, ...mock.flags],
          restart: { initialDelayMs: 50, maxDelayMs: 500 },
        },
      },
    });
  });
  after(async () => {
    await gw?.stop();
    mock.cleanup();
  });

  it('a kill mid-call fails the call on the exit, the upstream restarts and the next call succeeds', async (t) => {
    const client = await connect(gw.url, 'legacy');
    try {
      const call = client.callTool({ name: 'mock__hang', arguments: {} });
      const stats = await waitFor(
        () => {
          const s = mock.readStats();
          return (s.inFlight ?? 0) > 0 ? s : undefined;
        },
        20_000,
        'the call to reach the upstream',
      );
      const oldPid = stats.pid;
      const killedAt = performance.now();
      process.kill(oldPid, 'SIGKILL');
      await assert.rejects(call, (err: { code?: number; message: string; data?: { code?: string; maybeExecuted?: boolean } }) => {
        assert.equal(err.code, -32003);
        assert.equal(err.data?.code, 'GW_UPSTREAM_UNAVAILABLE');
        assert.equal(err.data?.maybeExecuted, true);
        return true;
      });
      const elapsed = performance.now() - killedAt;
      // GW_UPSTREAM_UNAVAILABLE (not the deadline's GW_TIMEOUT, which a missed exit would end in) says the exit ended the call.
      t.diagnostic(`error ${elapsed.toFixed(0)} ms after the kill (target: under 1 s)`);
      assert.ok(elapsed < 10_000, `error after ${elapsed.toFixed(0)} ms`);
      await waitFor(() => (mock.readStats().pid !== oldPid && gw.gateway.readiness().ready ? true : undefined), 20_000, 'the restart');
      const echo = await client.callTool({ name: 'mock__echo', arguments: { text: 'back' } });
      assert.match(JSON.stringify(echo.content), /back/);
      assert.equal(alive(oldPid), false, 'the killed process is gone');
    } finally {
      await client.close();
    }
  });

  it('stop reaps the whole process tree', async () => {
    const pid = mock.readStats().pid;
    assert.ok(alive(pid));
    await gw.stop();
    assert.equal(alive(pid), false, 'no orphan upstream after stop');
  });
});
