// Cursor pagination of aggregated lists (server.listPageSize): real SDK v1 and v2 clients walk every page
// in both eras and get exactly the unpaginated list; a cursor the gateway never issued is -32602.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Client } from '@modelcontextprotocol/client';
import { connect, everythingStdio, startGateway, type TestGateway } from '../helpers/gateway.js';
import { rawSession } from '../helpers/raw-http.js';

const PAGE = 3;

/** Every page of a list through `next(cursor)`; returns the items and the number of pages. */
async function walk(next: (cursor?: string) => Promise<{ items: { name: string }[]; nextCursor?: string }>) {
  const names: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await next(cursor);
    pages++;
    assert.ok(page.items.length <= PAGE, `page of ${page.items.length} > ${PAGE}`);
    names.push(...page.items.map((i) => i.name));
    cursor = page.nextCursor;
  } while (cursor !== undefined && pages < 100);
  return { names, pages };
}

void describe('aggregated lists in pages', () => {
  let paged: TestGateway;
  let whole: TestGateway;
  let all: string[];

  before(async () => {
    [paged, whole] = await Promise.all([
      startGateway({ server: { listPageSize: PAGE }, upstreams: { everything: everythingStdio() } }),
      startGateway({ upstreams: { everything: everythingStdio() } }),
    ]);
    const c = await connect(whole.url, 'legacy');
    const listed = await c.listTools();
    assert.equal(listed.nextCursor, undefined, 'listPageSize 0 serves the list whole');
    all = listed.tools.map((t) => t.name);
    await c.close();
    assert.ok(all.length > PAGE * 2, `server-everything lists ${all.length} tools`);
  });
  after(async () => {
    await Promise.all([paged?.stop(), whole?.stop()]);
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`SDK v2 (${era}) walks every page and gets the whole list, in order`, async () => {
      const client: Client = await connect(paged.url, era);
      try {
        // The v2 client aggregates every page itself when given no cursor: the walk happens inside the SDK.
        assert.deepEqual(
          (await client.listTools()).tools.map((t) => t.name),
          all,
        );
        const tools = await walk(async (cursor) => {
          const r = (await client.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } })) as {
            tools: { name: string }[];
            nextCursor?: string;
          };
          return { items: r.tools, nextCursor: r.nextCursor };
        });
        assert.deepEqual(tools.names, all);
        assert.equal(tools.pages, Math.ceil(all.length / PAGE));
        const prompts = await walk(async (cursor) => {
          const r = (await client.request({ method: 'prompts/list', params: cursor === undefined ? {} : { cursor } })) as {
            prompts: { name: string }[];
            nextCursor?: string;
          };
          return { items: r.prompts, nextCursor: r.nextCursor };
        });
        assert.ok(prompts.names.length > 0);
        assert.equal(new Set(prompts.names).size, prompts.names.length, 'no prompt repeated across pages');
      } finally {
        await client.close();
      }
    });
  }

  it('SDK v1 walks every page of tools and resources', async () => {
    const client = new ClientV1({ name: 'pages-v1', version: '1.0.0' });
    await client.connect(new TransportV1(new URL(paged.url)));
    try {
      const tools = await walk(async (cursor) => {
        const r = await client.listTools(cursor === undefined ? {} : { cursor });
        return { items: r.tools, nextCursor: r.nextCursor };
      });
      assert.deepEqual(tools.names, all);
      const resources = await walk(async (cursor) => {
        const r = await client.listResources(cursor === undefined ? {} : { cursor });
        return { items: r.resources, nextCursor: r.nextCursor };
      });
      assert.ok(resources.names.length > PAGE, `${resources.names.length} resources in ${resources.pages} pages`);
      assert.equal(new Set(resources.names.map((n, i) => `${n}#${i}`)).size, resources.names.length);
    } finally {
      await client.close();
    }
  });

  it('a cursor the gateway never issued is refused with -32602 naming params.cursor', async () => {
    const session = await rawSession(paged.url);
    try {
      for (const cursor of ['garbage', Buffer.from('bw1:!!').toString('base64url'), 42, 'x'.repeat(500)]) {
        for (const method of ['tools/list', 'resources/list']) {
          const body = await session.call(method, { cursor });
          const what = `${method} cursor ${JSON.stringify(cursor).slice(0, 40)}: ${JSON.stringify(body)}`;
          assert.equal(body.error?.code, -32602, what);
          assert.match(body.error.message, /params\.cursor/);
          assert.equal((body.error.data as { code?: string } | undefined)?.code, 'GW_INVALID_PARAMS');
        }
      }
      const first = await session.call('tools/list');
      assert.equal(typeof first.result?.nextCursor, 'string', 'the first page carries a cursor');
    } finally {
      await session.close();
    }
  });
});
