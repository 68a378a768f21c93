// Two calls of ONE session in flight on a shared stdio upstream, both raising server→client requests: a
// request raised while the first call ran, and answered after it ended, belongs to the same caller and
// must still be answered (it once hung until the call deadline: the request was aborted with its call
// and the upstream never got a reply).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, fixtureStdio, startGateway } from '../helpers/gateway.js';

test('concurrent calls of one session each get every server→client request answered', async (t) => {
  const gw = await startGateway({ upstreams: { fx: { ...fixtureStdio(), era: 'legacy', prefix: '' } } });
  const client = await connect(gw.url, 'legacy', { sampling: {}, elicitation: { form: {} } });
  try {
    client.setRequestHandler('sampling/createMessage', (r) => ({
      role: 'assistant',
      content: { type: 'text', text: (r.params.messages[0]!.content as { text: string }).text },
      model: 't',
    }));
    client.setRequestHandler('elicitation/create', (r) => ({ action: 'accept', content: { secret: r.params.message } }));
    const call = () =>
      client.callTool({ name: 'test_secret_traffic', arguments: { secret: 's', count: 30 } }, { timeout: 60_000 }).then(
        (r) => r.structuredContent,
        (e: unknown) => String(e),
      );
    const results: unknown[] = [];
    const worker = async () => {
      for (let i = 0; i < 4; i++) results.push(await call());
    };
    const started = Date.now();
    await Promise.all([worker(), worker()]);
    t.diagnostic(`8 calls × 30 requests in ${Date.now() - started} ms`);
    assert.deepEqual(
      results,
      Array.from({ length: 8 }, () => ({ answered: 30, refused: 0, crossed: 0 })),
    );
  } finally {
    await client.close();
    await gw.stop();
  }
});
