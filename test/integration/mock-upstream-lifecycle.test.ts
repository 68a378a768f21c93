// breakwater mock-upstream process life: scripted crashes, the stats file after a kill, the control channel,
// command-line flags, and modern (2026-07-28) clients on both transports.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { CRASH_EXIT_CODE, runMockUpstream, type StatsSnapshot } from '../../src/cli/mock-upstream/index.js';
import { httpClient, httpMock, mockFiles, nodeArgs, stdioMock, waitFor } from '../helpers/mock-upstream.js';

// A suite bound only catches a hang: on a loaded 2-core CI box these suites can take minutes.
const opts = { timeout: 300_000 };

void describe('mock-upstream crashAfterCalls', opts, () => {
  void test('stdio: answers N calls, then the process exits mid-call; the stats file counts the fatal call', async () => {
    const files = mockFiles({});
    const { client } = await stdioMock([...files.flags, '--crash-after', '2']);
    const closed = new Promise<void>((resolve) => (client.onclose = resolve));
    try {
      assert.ok(await client.callTool({ name: 'echo', arguments: { text: 'a' } }));
      assert.ok(await client.callTool({ name: 'echo', arguments: { text: 'b' } }));
      await assert.rejects(client.callTool({ name: 'echo', arguments: { text: 'c' } }));
      await closed;
      assert.equal(files.readStats().calls.echo, 3);
      assert.equal(files.readStats().inFlight, 1, 'the fatal call never finished');
    } finally {
      files.cleanup();
    }
  });

  void test(`stdio: the exit code is ${CRASH_EXIT_CODE}`, async () => {
    const files = mockFiles({ tools: { crashy: { crashAfterCalls: 0 } } });
    const proc = spawn(process.execPath, nodeArgs(files.flags), { stdio: ['pipe', 'ignore', 'ignore'] });
    const exit = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    proc.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'crashy' } }) + '\n');
    assert.equal(await exit, CRASH_EXIT_CODE);
    files.cleanup();
  });

  void test('http: the server process exits and the client call fails', async () => {
    const files = mockFiles({ tools: { crashy: { crashAfterCalls: 1 } } });
    const mock = await httpMock(files.flags);
    const { client } = await httpClient(mock.url);
    assert.ok(await client.callTool({ name: 'crashy' }));
    await assert.rejects(client.callTool({ name: 'crashy' }));
    assert.equal(await mock.exit, CRASH_EXIT_CODE);
    assert.equal(files.readStats().calls.crashy, 2);
    await client.close().catch(() => {});
    files.cleanup();
  });
});

void describe('mock-upstream stats file', opts, () => {
  void test('holds the counters after SIGKILL: a hung call and a cancelled one', async () => {
    const files = mockFiles({ tools: { hang: { hang: true } } });
    const { client, transport } = await stdioMock(files.flags);
    const ac = new AbortController();
    const cancelled = client.callTool({ name: 'hang' }, { signal: ac.signal }).catch(() => 'aborted');
    await waitFor(() => files.readStats().calls.hang === 1, 20_000, 'first hang call in the file');
    ac.abort();
    assert.equal(await cancelled, 'aborted');
    await waitFor(() => files.readStats().cancellations.hang === 1, 20_000, 'cancellation in the file');
    const pending = client.callTool({ name: 'hang' }).catch(() => 'closed');
    await waitFor(() => files.readStats().calls.hang === 2, 20_000, 'second hang call in the file');
    process.kill(transport.pid!, 'SIGKILL');
    assert.equal(await pending, 'closed');
    const s: StatsSnapshot = files.readStats();
    assert.deepEqual([s.calls.hang, s.cancellations.hang, s.inFlight], [2, 1, 1]);
    await client.close();
    files.cleanup();
  });
});

void describe('mock-upstream control channel', opts, () => {
  void test('--expose-control lists __stats/__reset; __reset zeroes the counters', async () => {
    const files = mockFiles({});
    const { client } = await stdioMock([...files.flags, '--expose-control']);
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.deepEqual(names, ['echo', '__stats', '__reset']);
    await client.callTool({ name: 'echo' });
    assert.equal(((await client.callTool({ name: '__stats' })).structuredContent as { calls: Record<string, number> }).calls.echo, 1);
    assert.deepEqual(((await client.callTool({ name: '__reset' })).structuredContent as { calls: object }).calls, {});
    await client.close();
    files.cleanup();
  });

  void test('http: POST /control/reset zeroes the counters', async () => {
    const mock = await httpMock([]);
    const { client } = await httpClient(mock.url);
    await client.callTool({ name: 'echo' });
    assert.equal((await mock.stats()).calls.echo, 1);
    await mock.reset();
    const s = await mock.stats();
    assert.deepEqual([s.calls, s.sessions, s.headersSeen], [{}, 1, []]);
    await client.close();
    assert.equal(await mock.stop(), 0);
  });
});

void describe('mock-upstream flags', opts, () => {
  void test('--error-rate 1 fails every call; --latency-ms delays; --hang applies to every tool', async () => {
    const a = await stdioMock(['--error-rate', '1', '--latency-ms', '120']);
    const t0 = performance.now();
    await assert.rejects(a.client.callTool({ name: 'echo' }), { code: -32603 });
    assert.ok(performance.now() - t0 >= 110);
    await a.client.close();
    const b = await stdioMock(['--hang']);
    await assert.rejects(b.client.callTool({ name: 'echo' }, { timeout: 200 }), /timed out/i);
    await b.client.close();
  });

  void test('bad flags and scripts: exit code 2 without serving; --help: 0', async () => {
    assert.equal(await runMockUpstream(['--transport', 'carrier-pigeon']), 2);
    assert.equal(await runMockUpstream(['--error-rate', '2']), 2);
    const files = mockFiles({ tools: { echo: { hange: true } } });
    assert.equal(await runMockUpstream(files.flags), 2);
    files.cleanup();
    assert.equal(await runMockUpstream(['--help']), 0);
  });
});

void describe('mock-upstream modern era (2026-07-28)', opts, () => {
  void test('stdio: server/discover, _meta envelope, notifications/cancelled', async () => {
    const files = mockFiles({ tools: { hang: { hang: true } } });
    const { client } = await stdioMock(files.flags, true);
    assert.equal(client.getProtocolEra(), 'modern');
    assert.deepEqual(
      (await client.listTools()).tools.map((t) => t.name),
      ['echo', 'hang'],
    );
    const r = await client.callTool({ name: 'echo', arguments: { text: 'now' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'now' }]);
    const ac = new AbortController();
    const call = client.callTool({ name: 'hang' }, { signal: ac.signal });
    await waitFor(() => files.readStats().calls.hang === 1, 20_000, 'hang call');
    ac.abort();
    await assert.rejects(call);
    await waitFor(() => files.readStats().cancellations.hang === 1, 20_000, 'cancellation');
    assert.equal(files.readStats().metaSeen.at(-1)?.['io.modelcontextprotocol/protocolVersion'], '2026-07-28');
    await client.close();
    files.cleanup();
  });

  void test('http: stateless requests with modern headers; closing the stream cancels', async () => {
    const files = mockFiles({ tools: { hang: { hang: true } } });
    const mock = await httpMock(files.flags);
    const { client } = await httpClient(mock.url, true);
    assert.equal(client.getProtocolEra(), 'modern');
    assert.equal((await client.callTool({ name: 'echo', arguments: { text: 'x' } })).isError, undefined);
    const ac = new AbortController();
    const call = client.callTool({ name: 'hang' }, { signal: ac.signal });
    await waitFor(async () => (await mock.stats()).calls.hang === 1, 20_000, 'hang call');
    ac.abort();
    await assert.rejects(call);
    const s = await waitFor(
      async () => {
        const s = await mock.stats();
        return (s.disconnects.hang ?? 0) + (s.cancellations.hang ?? 0) === 1 ? s : undefined;
      },
      20_000,
      'cancellation',
    );
    assert.equal(s.disconnects.hang, 1, 'modern HTTP has no notifications/cancelled: the closed stream is the cancel');
    assert.equal(s.sessions, 0, 'modern requests mint no session');
    const h = s.headersSeen.at(-1)!;
    assert.equal(h['mcp-protocol-version'], '2026-07-28');
    assert.equal(h['mcp-method'], 'tools/call');
    await client.close();
    await mock.stop();
    files.cleanup();
  });
});
