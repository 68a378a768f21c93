// Authorization with real authentication (issue 9 items 1–3 together): API keys with roles sent as
// `Authorization: Bearer`, real SDK v2 clients in both eras and SDK v1, server-everything upstream. An
// admin key sees and calls every tool; an analyst key sees only what the rules allow, and a forbidden tool
// answers like a nonexistent one; each principal has its own rate-limit allowance.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { MemoryKeyStore } from '../../src/store/memory/memory-key-store.js';
import { issueApiKey } from '../../src/transport/auth/api-key.js';
import { everythingStdio } from '../helpers/gateway.js';

const keys = new MemoryKeyStore();
const issue = (name: string, roles: string[]) => {
  const { key, record } = issueApiKey({ name, roles, now: Date.now() });
  keys.add(record);
  return key;
};
const adminKey = issue('ops-admin', ['admin']);
const analystKey = issue('ann', ['analyst']);

async function client(url: string, key: string, era: 'legacy' | 'modern'): Promise<Client> {
  const c = new Client(
    { name: `authz-${era}`, version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  return c;
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: number; message: string; data?: unknown };
    return { code: e.code, message: e.message, data: e.data };
  }
  return assert.fail('expected an error');
}

const anonymize = (e: unknown, name: string) => JSON.parse(JSON.stringify(e).split(name).join('<NAME>')) as unknown;

void describe('authorization with API keys', () => {
  let gateway: Gateway;
  before(async () => {
    const { config } = parseConfig(
      {
        server: { port: 0 },
        auth: {},
        upstreams: { everything: everythingStdio() },
        authorization: {
          default: 'deny',
          rules: [
            { id: 'admins', action: 'allow', roles: ['admin'] },
            { id: 'analysts', action: 'allow', roles: ['analyst'], tools: ['everything__echo', 'everything__get-sum'] },
          ],
        },
        rateLimits: { principal: { perHour: 60, burst: 4 } },
      },
      '<test>',
    );
    gateway = new Gateway({ config, log: silentLogger, keyStore: keys });
    await gateway.start();
    await gateway.aggregator.whenLoaded(20_000);
  });
  after(async () => {
    await gateway?.stop();
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`SDK v2 (${era}): the admin sees every tool, the analyst only its two; a forbidden tool is "unknown"`, async () => {
      const [admin, analyst] = await Promise.all([client(gateway.url, adminKey, era), client(gateway.url, analystKey, era)]);
      try {
        const all = (await admin.listTools()).tools.map((t) => t.name);
        assert.ok(all.length > 5 && all.includes('everything__get-env'), all.join(', '));
        assert.deepEqual((await analyst.listTools()).tools.map((t) => t.name).sort(), ['everything__echo', 'everything__get-sum']);
        assert.ok((await admin.callTool({ name: 'everything__get-env', arguments: {} })).content);
        const forbidden = await errorOf(analyst.callTool({ name: 'everything__get-env', arguments: {} }));
        const missing = await errorOf(analyst.callTool({ name: 'everything__nope', arguments: {} }));
        assert.deepEqual(anonymize(forbidden, 'everything__get-env'), anonymize(missing, 'everything__nope'));
      } finally {
        await Promise.all([admin.close(), analyst.close()]);
      }
    });
  }

  it('SDK v1: the same per-key view', async () => {
    const c = new ClientV1({ name: 'authz-v1', version: '1.0.0' });
    await c.connect(new TransportV1(new URL(gateway.url), { requestInit: { headers: { authorization: `Bearer ${analystKey}` } } }));
    try {
      assert.deepEqual((await c.listTools()).tools.map((t) => t.name).sort(), ['everything__echo', 'everything__get-sum']);
    } finally {
      await c.close();
    }
  });

  it('rate limits are per principal: one key spending its burst leaves the other untouched', async () => {
    const [admin, analyst] = await Promise.all([client(gateway.url, adminKey, 'modern'), client(gateway.url, analystKey, 'modern')]);
    try {
      // The analyst's earlier calls in this file used some of its burst of 4: spend the rest, then one more.
      let refused: unknown;
      for (let i = 0; i < 6 && refused === undefined; i++)
        await analyst.callTool({ name: 'everything__echo', arguments: { message: `n${i}` } }).catch((err: unknown) => (refused = err));
      assert.match(String((refused as Error | undefined)?.message), /Rate limit exceeded \(principal perHour/);
      assert.ok(await admin.callTool({ name: 'everything__echo', arguments: { message: 'still fine' } }));
    } finally {
      await Promise.all([admin.close(), analyst.close()]);
    }
  });
});
