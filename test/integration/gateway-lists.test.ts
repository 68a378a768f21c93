// The aggregate through a real gateway, with real stdio upstreams misbehaving beside a good one: a
// malformed tools/list, a list_changed storm every 1 ms, an upstream that never comes up, and two
// upstreams listing the same resource URI. Counts are asserted with generous bounds; timings reported.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { connect } from '../helpers/gateway.js';
import { waitFor } from '../helpers/mock-upstream.js';

const FIXTURE = new URL('../fixtures/list-upstream.mjs', import.meta.url).pathname;
const fixture = (env: Record<string, string>) => ({ command: process.execPath, args: [FIXTURE], env });

void describe('gateway lists with misbehaving upstreams', () => {
  let gateway: Gateway;
  let client: Client;
  let started = 0;
  const toolsChanged: number[] = [];
  const resourcesChanged: number[] = [];

  before(async () => {
    const config = parseConfig(
      {
        server: { port: 0 },
        upstreams: {
          good: { ...fixture({ LIST_NAME: 'good', LIST_RESOURCES: '1' }), prefix: 'good' },
          deep: { ...fixture({ LIST_BAD: 'deep' }), prefix: 'deep' },
          nameless: { ...fixture({ LIST_BAD: 'no-name' }), prefix: 'nameless' },
          storm: { ...fixture({ LIST_STORM_MS: '1' }), prefix: 'storm' },
          shadow: { ...fixture({ LIST_NAME: 'shadow', LIST_RESOURCES: '1' }), prefix: 'shadow' },
          never: {
            command: process.execPath,
            args: ['-e', 'process.exit(3)'],
            prefix: 'never',
            restart: { initialDelayMs: 50, maxDelayMs: 200 },
          },
        },
      },
      '<test>',
    ).config;
    gateway = new Gateway({ config, log: silentLogger });
    started = performance.now();
    await gateway.start();
    await gateway.aggregator.whenLoaded(20_000);
    await waitFor(
      () => gateway.aggregator.tools.get('storm__echo') && gateway.aggregator.tools.get('good__echo'),
      20_000,
      'good and storm tools',
    );
    client = await connect(gateway.url, 'legacy');
    client.setNotificationHandler('notifications/tools/list_changed', () => void toolsChanged.push(performance.now()));
    client.setNotificationHandler('notifications/resources/list_changed', () => void resourcesChanged.push(performance.now()));
    // Open the GET stream the gateway sends list_changed on (the SDK client opens it after initialize).
    await client.listTools();
  });

  after(async () => {
    await client?.close();
    await gateway?.stop();
  });

  const rpcError = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (err) {
      return err as { code?: number; data?: Record<string, unknown> };
    }
    return undefined;
  };

  void it('a malformed list is refused for its own upstream only, and named on /readyz', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    assert.ok(names.includes('good__echo') && names.includes('storm__echo'), names.join(', '));
    assert.ok(!names.some((n) => n.startsWith('deep__') || n.startsWith('nameless__')), names.join(', '));
    // The problems are details: the gateway stays ready for everyone else.
    const readyz = (await (await fetch(new URL('/readyz', gateway.url))).json()) as { lists?: Record<string, string> };
    assert.match(readyz.lists?.deep ?? '', /^tools: /, JSON.stringify(readyz));
    assert.match(readyz.lists?.nameless ?? '', /^tools: item 3 has no string "name"/);
    assert.equal(readyz.lists?.good, undefined);
  });

  void it('a list_changed storm costs a bounded number of upstream fetches and no caller notifications', async (t) => {
    const stats = async () =>
      (await client.callTool({ name: 'storm__stats', arguments: {} })).structuredContent as { listCalls: number; uptimeMs: number };
    // Let the storm run for a while with the client connected.
    const first = await stats();
    await waitFor(async () => (await stats()).uptimeMs > first.uptimeMs + 1_500 || undefined, 20_000, 'storm running 1.5 s');
    const { listCalls, uptimeMs } = await stats();
    t.diagnostic(
      `storm: ${listCalls} tools/list calls in ${Math.round(uptimeMs)} ms of upstream uptime; ${toolsChanged.length} notifications`,
    );
    // Spaced ≥ 250 ms apart: never more than uptime/250 + the first load and one spare.
    assert.ok(listCalls <= Math.ceil(uptimeMs / 250) + 2, `${listCalls} fetches in ${Math.round(uptimeMs)} ms`);
    assert.equal(toolsChanged.length, 0, 'an unchanged list is never announced to callers');

    // A real change still arrives: once.
    await client.callTool({ name: 'storm__bump', arguments: {} });
    await waitFor(() => toolsChanged.length >= 1 || undefined, 10_000, 'tools/list_changed after a real change');
    await waitFor(
      async () => (await client.listTools()).tools.some((t) => t.name === 'storm__extra1') || undefined,
      10_000,
      'extra1 listed',
    );
    const settled = toolsChanged.length;
    await waitFor(async () => (await stats()).listCalls >= listCalls + 4 || undefined, 10_000, 'a few more storm fetches');
    assert.equal(toolsChanged.length, settled, 'the storm after the change announces nothing more');
    assert.ok(settled <= 2, `${settled} notifications for one change`);
  });

  void it('a tool of an upstream that never came up is GW_UPSTREAM_UNAVAILABLE; an unknown prefix GW_NOT_FOUND', async () => {
    const down = await rpcError(client.callTool({ name: 'never__anything', arguments: {} }));
    assert.equal(down?.data?.code, 'GW_UPSTREAM_UNAVAILABLE', JSON.stringify(down));
    assert.equal(down?.data?.upstream, 'never');
    assert.equal(down?.data?.maybeExecuted, false);
    const unknown = await rpcError(client.callTool({ name: 'nope__anything', arguments: {} }));
    assert.equal(unknown?.code, -32602);
    assert.equal(unknown?.data?.code, 'GW_NOT_FOUND');
  });

  void it('a URI two upstreams list is listed once, reported, and read and subscribed where the list says', async (t) => {
    const { resources } = await client.listResources();
    assert.deepEqual(
      resources.filter((r) => r.uri === 'shared://doc').map((r) => r.name),
      ['doc of good'],
    );
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.equal(resourceTemplates.filter((t) => t.uriTemplate === 'shared://items/{id}').length, 1);
    const read = await client.readResource({ uri: 'shared://doc' });
    assert.equal((read.contents[0] as { text: string }).text, 'good:shared://doc');
    const item = await client.readResource({ uri: 'shared://items/7' });
    assert.equal((item.contents[0] as { text: string }).text, 'good:shared://items/7');
    await client.subscribeResource({ uri: 'shared://doc' });
    const subscribed = async (tool: string) =>
      ((await client.callTool({ name: tool, arguments: {} })).structuredContent as { subscribed: string[] }).subscribed;
    assert.deepEqual(await subscribed('good__stats'), ['shared://doc']);
    assert.deepEqual(await subscribed('shadow__stats'), []);
    const readyz = (await (await fetch(new URL('/readyz', gateway.url))).json()) as { sharedResources?: Record<string, string[]> };
    assert.deepEqual(readyz.sharedResources?.['shared://doc'], ['good', 'shadow']);
    assert.ok(resourcesChanged.length <= 1, `${resourcesChanged.length} resources/list_changed`);
    t.diagnostic(`gateway up ${Math.round(performance.now() - started)} ms`);
  });
});
