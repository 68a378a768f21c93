// Authorization and rate limits through the gateway (issue 9 items 2–3), with server-everything as the
// upstream and the real SDK v1 and v2 clients as callers: lists filtered per caller in both eras, a denied
// tool answers exactly like a nonexistent one, a CEL rule on an argument, a rule on roles, list_changed per
// caller, and rate-limit refusals as 429 with Retry-After and the RateLimit headers (and in shadow mode, none).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Principal } from '../../src/pipeline/index.js';
import type { CallerScope } from '../../src/session/index.js';
import { connect, everythingStdio, startGateway, type TestGateway } from '../helpers/gateway.js';

const authorization = {
  default: 'deny' as const,
  rules: [
    { id: 'admins', action: 'allow' as const, roles: ['admin'] },
    { id: 'echo-bounded', action: 'allow' as const, tools: ['everything__echo'], when: 'args.limit <= 1000' },
    { id: 'sum', action: 'allow' as const, tools: ['everything__get-sum'] },
  ],
};

/** The error a call ends with, through either SDK (code, message and data as the caller sees them). */
async function callError(call: () => Promise<unknown>): Promise<{ code: number; message: string; data: unknown }> {
  try {
    const result = (await call()) as { isError?: boolean; content?: { text?: string }[] };
    // The v2 SDK client turns some JSON-RPC errors into isError results; neither may happen for a denial.
    assert.fail(`expected an error, got ${JSON.stringify(result)}`);
  } catch (err) {
    const e = err as { code?: number; message: string; data?: unknown };
    if (e.code === undefined) throw err;
    return { code: e.code, message: e.message, data: e.data };
  }
}

/** Replaces the name in an error so a denial and a nonexistent name can be compared. */
function shape(e: { code: number; message: string; data: unknown }, name: string) {
  return JSON.parse(JSON.stringify(e).split(name).join('<NAME>')) as unknown;
}

async function v1Client(url: string): Promise<ClientV1> {
  const client = new ClientV1({ name: 'authz-v1', version: '1.0.0' });
  await client.connect(new TransportV1(new URL(url)));
  return client;
}

void describe('authorization through the gateway', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startGateway({ upstreams: { everything: everythingStdio() }, authorization });
  });
  after(async () => {
    await gw?.stop();
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`SDK v2 (${era}): sees only permitted tools; a denied tool fails exactly like a nonexistent one`, async () => {
      const client = await connect(gw.url, era);
      try {
        const names = (await client.listTools()).tools.map((t) => t.name).sort();
        assert.deepEqual(names, ['everything__echo', 'everything__get-sum']);
        const ok = await client.callTool({ name: 'everything__echo', arguments: { message: 'hi', limit: 10 } });
        assert.match(JSON.stringify(ok.content), /hi/);
        const sum = await client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 3 } });
        assert.match(JSON.stringify(sum.content), /5/);
        const big = await callError(() => client.callTool({ name: 'everything__echo', arguments: { message: 'hi', limit: 5000 } }));
        const forbidden = await callError(() => client.callTool({ name: 'everything__get-env', arguments: {} }));
        const missing = await callError(() => client.callTool({ name: 'everything__no-such-tool', arguments: {} }));
        assert.deepEqual(shape(forbidden, 'everything__get-env'), shape(missing, 'everything__no-such-tool'));
        assert.deepEqual(shape(big, 'everything__echo'), shape(missing, 'everything__no-such-tool'));
        assert.equal((missing.data as { code?: string }).code, 'GW_NOT_FOUND');
        // Prompts and resources: no rule allows them to this caller, so none is listed.
        assert.deepEqual((await client.listPrompts()).prompts, []);
        assert.deepEqual((await client.listResources()).resources, []);
      } finally {
        await client.close();
      }
    });
  }

  it('SDK v1 (legacy): the same filtered list and the same indistinguishable denial', async () => {
    const client = await v1Client(gw.url);
    try {
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['everything__echo', 'everything__get-sum']);
      const forbidden = await callError(() => client.callTool({ name: 'everything__get-env', arguments: {} }));
      const missing = await callError(() => client.callTool({ name: 'everything__no-such-tool', arguments: {} }));
      assert.deepEqual(shape(forbidden, 'everything__get-env'), shape(missing, 'everything__no-such-tool'));
      const small = await client.callTool({ name: 'everything__echo', arguments: { message: 'v1', limit: 10 } });
      assert.match(JSON.stringify(small.content), /v1/);
      const big = await callError(() => client.callTool({ name: 'everything__echo', arguments: { message: 'v1', limit: 5000 } }));
      assert.deepEqual(shape(big, 'everything__echo'), shape(missing, 'everything__no-such-tool'));
    } finally {
      await client.close();
    }
  });

  it('a rule on roles: an admin principal sees and calls every tool (real upstream, dispatcher level); denied resources are never subscribed', async () => {
    const admin: Principal = { id: 'ops-1', kind: 'api-key', roles: ['admin'] };
    const call = (principal: Principal, method: string, params: Record<string, unknown>) => {
      const controller = new AbortController();
      const scope: CallerScope = {
        era: 'modern',
        protocolVersion: '2026-07-28',
        capabilities: {},
        session: undefined,
        principal,
        write: () => true,
        signal: controller.signal,
        controller,
        logLevel: undefined,
      };
      return gw.gateway.layer.dispatcher.handle({ jsonrpc: '2.0', id: 1, method, params }, scope) as Promise<unknown>;
    };
    const listed = (await call(admin, 'tools/list', {})) as { result: { tools: { name: string }[] } };
    assert.ok(listed.result.tools.length > 5, `admin sees ${listed.result.tools.length} tools`);
    assert.ok(listed.result.tools.some((t) => t.name === 'everything__get-env'));
    const env = (await call(admin, 'tools/call', { name: 'everything__get-env', arguments: {} })) as { result?: unknown };
    assert.ok(env.result !== undefined, JSON.stringify(env));
    // A resource the anonymous caller may not read: subscribing is accepted (as for any URI) but never placed.
    const resources = (await call(admin, 'resources/list', {})) as { result: { resources: { uri: string }[] } };
    const uri = resources.result.resources[0]?.uri;
    assert.ok(uri !== undefined, 'server-everything lists resources');
    const client = await connect(gw.url, 'legacy');
    try {
      assert.deepEqual(await client.subscribeResource({ uri }), {});
      const held = [...gw.gateway.layer.sessions.values()].some((s) => s.subscriptions?.has(uri) === true);
      assert.equal(held, false, 'a denied resource was subscribed');
    } finally {
      await client.close();
    }
    const analyst: Principal = { id: 'ann', kind: 'api-key', roles: ['analyst'] };
    const denied = (await call(analyst, 'tools/call', { name: 'everything__get-env', arguments: {} })) as {
      error?: { data?: { code?: string } };
    };
    assert.equal(denied.error?.data?.code, 'GW_NOT_FOUND');
  });
});

void describe('rate limits through the gateway', () => {
  let gw: TestGateway;
  let shadow: TestGateway;
  before(async () => {
    // 3 at once, then one per 6 minutes: deterministic however slow the machine is.
    const rateLimits = { principal: { perHour: 10, burst: 3 } };
    [gw, shadow] = await Promise.all([
      startGateway({ upstreams: { everything: everythingStdio() }, rateLimits }),
      startGateway({ upstreams: { everything: everythingStdio() }, rateLimits: { ...rateLimits, shadow: true } }),
    ]);
  });
  after(async () => {
    await Promise.all([gw?.stop(), shadow?.stop()]);
  });

  /** A modern tools/call over raw HTTP (JSON answer), to read the status and headers. */
  const post = (url: string, id: number) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'everything__echo',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: {
          name: 'everything__echo',
          arguments: { message: `m${id}` },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
            'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
          },
        },
      }),
    });

  it('the burst passes, the next call is a 429 with Retry-After, RateLimit-Policy and RateLimit, and GW_RATE_LIMITED', async () => {
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 1; i <= 4; i++) {
      const res = await post(gw.url, i);
      statuses.push(res.status);
      if (res.status === 429) refused = res;
      else await res.text();
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.ok(refused);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 360, `Retry-After ${retryAfter}`);
    assert.equal(refused.headers.get('ratelimit-policy'), '"principal-perHour";q=10;w=3600');
    assert.equal(refused.headers.get('ratelimit'), `"principal-perHour";r=0;t=${retryAfter}`);
    const body = (await refused.json()) as { error: { code: number; data: { code: string; retryAfterMs: number } } };
    assert.equal(body.error.code, -32029);
    assert.equal(body.error.data.code, 'GW_RATE_LIMITED');
    assert.ok(body.error.data.retryAfterMs > 0);
    // A legacy SDK client over the same gateway (same anonymous principal) is refused too: the 429 reaches it.
    const client = await connect(gw.url, 'legacy');
    try {
      await assert.rejects(client.callTool({ name: 'everything__echo', arguments: { message: 'x' } }), /429|GW_RATE_LIMITED|rate limit/i);
    } finally {
      await client.close();
    }
  });

  it('shadow mode: the same traffic passes (refusals are only logged and published)', async () => {
    const events: { allowed: boolean; shadow: boolean }[] = [];
    const off = shadow.gateway.channels.rateLimit.subscribe((e) => events.push(e));
    try {
      const statuses: number[] = [];
      for (let i = 1; i <= 5; i++) {
        const res = await post(shadow.url, i);
        statuses.push(res.status);
        await res.text();
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
      assert.deepEqual(
        events.map((e) => e.allowed),
        [true, true, true, false, false],
      );
      assert.ok(events.slice(3).every((e) => e.shadow));
    } finally {
      off();
    }
  });
});
