// Refused Origin/Host headers cannot flood the log: 2,000 refusals with a 14 kB Origin cost a bounded
// number of lines, each of bounded size, and the suppressed ones are counted rather than lost.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { captureLogger, startEdgeGateway, type EdgeGateway } from './_edge.js';

const REFUSALS = 2_000;
const ORIGIN = `http://${'a'.repeat(14 * 1024)}.example`;
const capture = captureLogger();
let gw: EdgeGateway;

before(async () => {
  gw = await startEdgeGateway({}, capture.log);
});
after(() => gw?.stop());

test('2,000 refused Origins write a bounded number of bounded lines', async (t) => {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
  const t0 = performance.now();
  let next = 0;
  let largestReply = 0;
  const worker = async () => {
    while (next < REFUSALS) {
      next++;
      const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', origin: ORIGIN }, body });
      const text = await res.text();
      assert.equal(res.status, 403);
      largestReply = Math.max(largestReply, text.length);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const refused = capture.lines.filter((l) => l.msg.startsWith('request refused'));
  const bytes = refused.reduce((n, l) => n + l.bytes, 0);
  const suppressed = refused.reduce((n, l) => n + Number(l.fields.suppressed ?? 0), 0);
  t.diagnostic(
    `${REFUSALS} refusals in ${seconds.toFixed(1)} s: ${refused.length} lines, ${bytes} B in all (largest ${Math.max(...refused.map((l) => l.bytes))} B), ` +
      `${suppressed} reported as suppressed; largest 403 body ${largestReply} B`,
  );
  // The throttle passes a burst of 20, then 2 per second.
  assert.ok(refused.length >= 20 && refused.length <= 20 + 2 * Math.ceil(seconds) + 1, `${refused.length} lines`);
  for (const l of refused) assert.ok(l.bytes <= 1024, `a line of ${l.bytes} B`);
  assert.ok(refused.length + suppressed <= REFUSALS);
  assert.ok(suppressed > 0, 'the suppressed refusals are counted on the lines that pass');
  assert.ok(largestReply <= 1024, 'the 403 quotes the Origin clipped');
});
