// Issue 7.4: roots. The gateway declares `roots` upstream only where it can always answer (configured roots);
// an upstream's roots/list reaches the caller it is attributable to (when that caller declared roots), the
// configured roots answer otherwise; a caller's roots/list_changed reaches the upstreams that were told.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { connect, fixtureStdio, startGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/mock-upstream.js';

const CONFIGURED = [{ uri: 'file:///srv/shared', name: 'shared' }];

async function call(client: Client, name: string): Promise<Record<string, unknown>> {
  return (await client.callTool({ name, arguments: {} })).structuredContent as Record<string, unknown>;
}

describe('roots', () => {
  let gw: TestGateway;
  let withRoots: Client;
  let withoutRoots: Client;

  before(async () => {
    gw = await startGateway({
      upstreams: {
        rooted: { ...fixtureStdio(), era: 'legacy', prefix: 'rooted', roots: CONFIGURED },
        plain: { ...fixtureStdio(), era: 'legacy', prefix: 'plain' },
      },
    });
    withRoots = await connect(gw.url, 'legacy', { roots: { listChanged: true } });
    withRoots.setRequestHandler('roots/list', () => ({ roots: [{ uri: 'file:///home/a', name: 'a' }] }));
    withoutRoots = await connect(gw.url, 'legacy');
  });
  after(async () => {
    await withRoots?.close();
    await withoutRoots?.close();
    await gw?.stop();
  });

  it('declares roots only to the upstream with configured roots', async () => {
    assert.deepEqual((await call(withoutRoots, 'rooted__test_roots_changes')).clientCapabilities, {
      sampling: {},
      elicitation: { form: {}, url: {} },
      roots: { listChanged: true },
    });
    const plain = (await call(withoutRoots, 'plain__test_roots_changes')).clientCapabilities as Record<string, unknown>;
    assert.equal(plain.roots, undefined);
  });

  it('roots/list goes to the attributable caller that declared roots; otherwise the configured roots answer', async () => {
    assert.deepEqual((await call(withRoots, 'rooted__test_list_roots')).roots, [{ uri: 'file:///home/a', name: 'a' }]);
    assert.deepEqual((await call(withoutRoots, 'rooted__test_list_roots')).roots, CONFIGURED);
  });

  it('a caller’s roots/list_changed reaches the upstream that was told the gateway has roots', async () => {
    const before = (await call(withoutRoots, 'rooted__test_roots_changes')).rootsChanges as number;
    await withRoots.sendRootsListChanged();
    await waitFor(
      async () => (((await call(withoutRoots, 'rooted__test_roots_changes')).rootsChanges as number) > before ? true : undefined),
      5000,
      'roots/list_changed upstream',
    );
    assert.equal((await call(withoutRoots, 'plain__test_roots_changes')).rootsChanges, 0, 'never sent where roots were not declared');
  });
});
