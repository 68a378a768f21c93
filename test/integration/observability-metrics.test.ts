// Issue 11 acceptance: a scrape of /metrics on the admin listener after a scripted scenario (calls, a tool
// failure, upstream errors opening the breaker of the mock upstream, a call the open breaker rejects)
// shows the expected series with the expected values, and the text parses (promtool when installed).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, startGateway, type TestGateway } from '../helpers/gateway.js';
import { mockFiles, nodeArgs } from '../helpers/mock-upstream.js';
import { parsePromText, promtoolCheck, valueOf, type Sample } from '../helpers/prom-text.js';

const TOKEN = 'metrics-test-token-0123456789';

void describe('Prometheus metrics on the admin listener', () => {
  let gw: TestGateway;
  let admin: string;
  const mock = mockFiles({ tools: { fails: { isError: true, text: 'nope' }, broken: { error: { code: -32603, message: 'boom' } } } });

  before(async () => {
    gw = await startGateway({
      admin: { enabled: true, port: 0, token: TOKEN },
      upstreams: {
        mock: { command: process.execPath, args: nodeArgs(mock.flags), policies: { breaker: { consecutiveFailures: 3, openMs: 600_000 } } },
        optional: { command: process.execPath, args: ['-e', 'process.exit(3)'], required: false, enabled: false },
      },
    });
    admin = gw.gateway.operations.admin!.url;
  });
  after(async () => {
    await gw?.stop();
    mock.cleanup();
  });

  const scrape = async (): Promise<{ text: string; samples: Sample[] }> => {
    const res = await fetch(`${admin}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    return { text, samples: parsePromText(text) };
  };

  void it('counts calls, the tool failure, the breaker opening and the rejected call', async (t) => {
    const client = await connect(gw.url, 'legacy');
    try {
      for (const text of ['a', 'b']) await client.callTool({ name: 'mock__echo', arguments: { text } });
      const failed = await client.callTool({ name: 'mock__fails', arguments: {} });
      assert.equal(failed.isError, true);
      for (let i = 0; i < 3; i++) await assert.rejects(client.callTool({ name: 'mock__broken', arguments: {} }), /boom/);
      await assert.rejects(client.callTool({ name: 'mock__broken', arguments: {} }), /Circuit breaker/);
    } finally {
      await client.close();
    }
    const { text, samples } = await scrape();
    const calls = (tool: string, outcome: string) =>
      valueOf(samples, 'breakwater_calls_total', { upstream: 'mock', method: 'tools/call', tool, outcome });
    assert.equal(calls('mock__echo', 'ok'), 2);
    assert.equal(calls('mock__fails', 'tool-error'), 1);
    assert.equal(calls('mock__broken', 'upstream-error'), 3);
    assert.equal(calls('mock__broken', 'gateway-error'), 1);
    assert.equal(valueOf(samples, 'breakwater_call_errors_total', { upstream: 'mock', code: '-32603' }), 3);
    assert.equal(valueOf(samples, 'breakwater_call_errors_total', { upstream: 'mock', code: 'GW_CIRCUIT_OPEN' }), 1);
    assert.equal(valueOf(samples, 'breakwater_call_duration_seconds_count', { upstream: 'mock', tool: 'mock__echo' }), 2);
    assert.equal(
      valueOf(samples, 'breakwater_call_gateway_duration_seconds_count', { upstream: 'mock' }),
      6,
      'only calls that went upstream',
    );
    assert.equal(valueOf(samples, 'breakwater_upstream_attempts_total', { upstream: 'mock', outcome: 'ok' }), 3);
    assert.equal(valueOf(samples, 'breakwater_upstream_attempts_total', { upstream: 'mock', outcome: 'error' }), 3);
    assert.equal(valueOf(samples, 'breakwater_breaker_transitions_total', { upstream: 'mock', replica: '0', to: 'open' }), 1);
    assert.equal(valueOf(samples, 'breakwater_breaker_state', { upstream: 'mock', replica: '0', state: 'open' }), 1);
    assert.equal(valueOf(samples, 'breakwater_breaker_state', { upstream: 'mock', replica: '0', state: 'closed' }), 0);
    assert.equal(valueOf(samples, 'breakwater_upstream_up', { upstream: 'mock', replica: '0' }), 1);
    assert.equal(valueOf(samples, 'breakwater_calls_in_flight', { era: 'legacy' }), 0);
    assert.equal(valueOf(samples, 'breakwater_sessions_opened_total', { era: 'legacy' }), 1);
    assert.equal(valueOf(samples, 'breakwater_bulkhead_in_flight', { upstream: 'mock', tool: '' }), 0);
    // Process and system figures.
    assert.ok((valueOf(samples, 'breakwater_process_cpu_seconds_total') ?? 0) > 0);
    assert.ok(valueOf(samples, 'breakwater_nodejs_eventloop_lag_seconds') !== undefined);
    assert.ok(valueOf(samples, 'breakwater_system_load_average', { period: '1m' }) !== undefined);
    const promtool = promtoolCheck(text);
    t.diagnostic(promtool === undefined ? 'promtool not installed: parser check only' : `promtool check metrics: ${promtool || 'OK'}`);
    if (promtool !== undefined) assert.equal(promtool, '');
    t.diagnostic(`${samples.length} samples, ${text.length} bytes`);
  });

  void it('/metrics needs the admin token; /healthz and /readyz do not, and /readyz details each component', async () => {
    assert.equal((await fetch(`${admin}/metrics`)).status, 401);
    assert.equal((await fetch(`${admin}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
    assert.equal((await fetch(`${admin}/healthz`)).status, 200);
    const res = await fetch(`${admin}/readyz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      status: string;
      config: { status: string };
      upstreams: Record<string, { required: boolean; ready: boolean; replicas: { replica: number; state: string; breaker?: string }[] }>;
      eventLoop: { status: string; lagP99Ms: number };
    };
    assert.equal(body.status, 'ready');
    assert.equal(body.config.status, 'ok');
    assert.deepEqual(body.upstreams.mock, { required: true, ready: true, replicas: [{ replica: 0, state: 'ready', breaker: 'open' }] });
    assert.equal(typeof body.eventLoop.lagP99Ms, 'number');
    assert.equal((await fetch(`${admin}/nope`)).status, 404);
    assert.equal((await fetch(new URL('/metrics', gw.url))).status, 404, 'never on the MCP port');
  });
});
