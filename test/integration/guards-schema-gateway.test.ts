// Schema validation and argument guards through the gateway, in front of the real server-everything, with
// real SDK v2 clients of both eras: a refused call is GW_GUARD_REJECTED (-32602) naming the argument and
// rule, the upstream never sees it, and refusals never open the upstream's breaker.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, everythingStdio, startGateway, type TestGateway } from '../helpers/gateway.js';

type RpcErr = { code?: number; message: string; data?: { code?: string; guard?: string; rule?: string; path?: string } };

void describe('guards through the gateway (server-everything)', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startGateway({
      upstreams: {
        ev: {
          ...everythingStdio(),
          // A tight breaker: if refusals counted, 3 of them would open it.
          policies: { breaker: { consecutiveFailures: 3 } },
          guards: { tools: { echo: [{ type: 'length', args: ['/message'], maxLength: 20 }] } },
        },
        loose: { ...everythingStdio(), guards: { schema: { enabled: false } } },
      },
    });
  });
  after(() => gw.stop());

  for (const era of ['legacy', 'modern'] as const)
    void it(`${era}: a wrongly typed argument is refused by the tool's own inputSchema; valid calls pass`, async () => {
      const client = await connect(gw.url, era);
      try {
        for (let i = 0; i < 5; i++)
          await assert.rejects(client.callTool({ name: 'ev__echo', arguments: { message: 42 } }), (err: RpcErr) => {
            assert.equal(err.code, -32602);
            assert.equal(err.data?.code, 'GW_GUARD_REJECTED');
            assert.equal(err.data?.guard, 'schema');
            assert.equal(err.data?.rule, 'schema.type');
            assert.equal(err.data?.path, '/message');
            return true;
          });
        await assert.rejects(client.callTool({ name: 'ev__echo', arguments: { message: 'x'.repeat(21) } }), (err: RpcErr) => {
          assert.equal(err.data?.rule, 'length.max-length');
          return true;
        });
        // The breaker stayed closed: the valid call goes through.
        const ok = await client.callTool({ name: 'ev__echo', arguments: { message: 'hello' } });
        assert.match(JSON.stringify(ok.content), /hello/);
        // Schema validation off for this upstream: the upstream answers for itself.
        const outcome = await client.callTool({ name: 'loose__echo', arguments: { message: 42 } }).then(
          () => 'answered by the upstream',
          (err: RpcErr) => err.data?.code ?? `upstream error ${err.code}`,
        );
        assert.notEqual(outcome, 'GW_GUARD_REJECTED');
      } finally {
        await client.close();
      }
    });
});
