// R11 — malformed or oversized upstream output: the caller always gets a well-formed JSON-RPC answer; broken
// or oversized messages become GW_UPSTREAM_PROTOCOL and count as upstream failures; unknown and duplicate
// response ids are dropped (the real answer still arrives); memory stays bounded by the message limit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, gwCode, startGateway, stdioUpstream, type Harness } from './_harness.js';

let h: Harness;
let up: ReturnType<typeof stdioUpstream>;

before(async () => {
  up = stdioUpstream({
    tools: {
      badjson: { malformed: 'invalid-json' },
      badversion: { malformed: 'wrong-version' },
      unknownid: { malformed: 'unknown-id' },
      duplicate: { malformed: 'duplicate-response' },
      // Just over the 16 MiB message limit of an upstream connection.
      huge: { outputBytes: 17 * 1024 * 1024 },
    },
  });
  h = await startGateway(
    {
      upstreams: {
        m: { ...up.config, policies: { timeoutMs: 5_000, healthCheck: { intervalMs: 0 }, breaker: { consecutiveFailures: 10 } } },
      },
    },
    ['m__badjson', 'm__huge'],
  );
});

after(async () => {
  await h?.stop();
  up.files.cleanup();
});

test('R11 invalid JSON and oversized output → GW_UPSTREAM_PROTOCOL, counted against the breaker; memory bounded', async (t) => {
  const client = await h.client();
  const breaker = h.gateway.pipelines.resilience.get('m').breakers[0]!;
  const bad = await call(client, 'm__badjson');
  assert.equal(gwCode(bad), 'GW_UPSTREAM_PROTOCOL');
  assert.equal(bad.code, -32005);
  const rss0 = process.memoryUsage().rss;
  const huge = await call(client, 'm__huge');
  const grew = (process.memoryUsage().rss - rss0) / 2 ** 20;
  t.diagnostic(`oversized answer: ${huge.message}; RSS grew ${grew.toFixed(0)} MB`);
  assert.equal(gwCode(huge), 'GW_UPSTREAM_PROTOCOL');
  assert.equal(huge.data?.reason, 'oversized');
  assert.ok(grew < 150, 'the oversized message is aborted, not buffered without bound');
  assert.equal(breaker.snapshot().consecutiveFailures, 2, 'protocol failures are upstream failures');
});

test('R11 unknown and duplicate response ids are dropped: the caller gets the real answer once', async () => {
  const client = await h.client();
  for (const tool of ['m__unknownid', 'm__duplicate']) {
    const out = await call(client, tool);
    assert.equal(out.ok, true, `${tool}: ${out.message}`);
    assert.ok(Array.isArray(out.result?.content));
  }
  // The connection is still usable afterwards (a duplicate did not confuse the next request's id).
  assert.equal((await call(client, 'm__duplicate')).ok, true);
});

test('R11 wrong jsonrpc version: the caller still gets a well-formed answer', async (t) => {
  const client = await h.client();
  const out = await call(client, 'm__badversion');
  // The upstream reader is lenient about `"jsonrpc": "1.0"` (it takes the result by id); either way the
  // caller's answer is well-formed JSON-RPC, which is what R11 requires of the gateway.
  t.diagnostic(out.ok ? 'accepted leniently (result passed through)' : `rejected: ${gwCode(out)}`);
  assert.ok(out.ok ? Array.isArray(out.result?.content) : typeof out.code === 'number');
});
