// list_changed per caller (issue 9 item 2): a caller hears of a list change only when what it may see
// changed. Upstream: the list fixture, whose `bump` tool adds extraN and announces it. Anonymous callers
// may see echo, bump and extra2 only; an admin sees everything.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import type { Principal } from '../../src/pipeline/index.js';
import type { JsonRpcMessage } from '../../src/protocol/index.js';
import { connect } from '../helpers/gateway.js';

const FIXTURE = new URL('../fixtures/list-upstream.mjs', import.meta.url).pathname;
const anonymous: Principal = { id: 'anonymous', kind: 'anonymous', roles: [] };
const admin: Principal = { id: 'ops', kind: 'api-key', roles: ['admin'] };

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

void describe('list_changed per caller', () => {
  let gateway: Gateway;
  const stop = new AbortController();
  const heard: Record<'anonymous' | 'admin', string[]> = { anonymous: [], admin: [] };

  before(async () => {
    const config = parseConfig(
      {
        server: { port: 0 },
        upstreams: { lists: { command: process.execPath, args: [FIXTURE] } },
        authorization: {
          default: 'deny',
          rules: [
            { id: 'admins', action: 'allow', roles: ['admin'] },
            { id: 'some', action: 'allow', tools: ['lists__echo', 'lists__bump', 'lists__extra2'] },
          ],
        },
      },
      '<test>',
    ).config;
    gateway = new Gateway({ config, log: silentLogger });
    await gateway.start();
    await gateway.aggregator.whenLoaded(20_000);
    await waitFor(() => gateway.aggregator.tools.get('lists__bump') !== undefined, 20_000, 'the fixture tools');
    // Two modern listeners in process, one per principal: the hub writes to both in the same flush.
    for (const [who, principal] of [
      ['anonymous', anonymous],
      ['admin', admin],
    ] as const) {
      const write = (m: JsonRpcMessage) => void ('method' in m && heard[who].push(m.method));
      void gateway.layer.listen(who, { toolsListChanged: true }, write as never, stop.signal, undefined, principal);
    }
    await waitFor(() => heard.anonymous.length > 0 && heard.admin.length > 0, 5_000, 'acknowledgements');
  });

  after(async () => {
    stop.abort();
    await gateway?.stop();
  });

  const changes = (who: 'anonymous' | 'admin') => heard[who].filter((m) => m === 'notifications/tools/list_changed').length;

  it('a tool the caller cannot see is no news to it; one it can see is', async () => {
    const client = await connect(gateway.url, 'legacy');
    const legacyChanges: number[] = [];
    client.setNotificationHandler('notifications/tools/list_changed', () => void legacyChanges.push(Date.now()));
    try {
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['lists__bump', 'lists__echo']);
      // extra1: only the admin may see it.
      await client.callTool({ name: 'lists__bump', arguments: {} });
      await waitFor(() => changes('admin') === 1, 10_000, 'the admin told of extra1');
      assert.equal(changes('anonymous'), 0, 'anonymous told of a tool it cannot see');
      // extra2: anonymous may see it too.
      await client.callTool({ name: 'lists__bump', arguments: {} });
      await waitFor(() => changes('admin') === 2, 10_000, 'the admin told of extra2');
      assert.equal(changes('anonymous'), 1);
      // The legacy session (same anonymous principal, shown a list before) hears of extra2 on its GET stream.
      await waitFor(() => legacyChanges.length >= 1, 10_000, 'the legacy session told of extra2');
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['lists__bump', 'lists__echo', 'lists__extra2']);
    } finally {
      await client.close();
    }
  });
});
