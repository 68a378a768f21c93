// Issue 7.1 (second half): `isolation: per-session` gives each legacy session its own stdio child. Two real SDK
// clients raising sampling/elicitation requests and logs concurrently each get all of their own (none refused,
// none crossed), where a shared child must refuse what it cannot attribute (attribution-shared-stdio.test.ts).
// The gateway runs one child per session beside the shared one; ending a session reaps its child; a full pool
// refuses a new caller with GW_OVERLOADED.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Connection } from '../../src/upstream/index.js';
import { alive, childPids, fixtureStdio, startGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/mock-upstream.js';

interface Party {
  readonly name: string;
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
  own: number;
  foreign: number;
  logs: number;
}

interface Tally {
  answered: number;
  refused: number;
  crossed: number;
}

/** The conformance fixture children of this process (tsx may run an esbuild service child beside them). */
function fixtureChildren(): number[] {
  return childPids(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('conformance-server/stdio.ts');
    } catch {
      return false;
    }
  });
}

const secretOf = (name: string): string => `secret-of-${name}`;

async function party(url: string, name: string): Promise<Party> {
  const client = new Client({ name: `iso-${name}`, version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: { form: {} } } });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  const p: Party = { name, client, transport, own: 0, foreign: 0, logs: 0 };
  const seen = (secret: string): string => {
    if (secret === secretOf(name)) p.own++;
    else p.foreign++;
    return secret;
  };
  client.setRequestHandler('sampling/createMessage', (request) => {
    const content = request.params.messages[0]?.content;
    const text = content !== undefined && !Array.isArray(content) && content.type === 'text' ? content.text : '';
    return { role: 'assistant', content: { type: 'text', text: seen(text) }, model: 'test' };
  });
  client.setRequestHandler('elicitation/create', (request) => ({ action: 'accept', content: { secret: seen(request.params.message) } }));
  client.setNotificationHandler('notifications/message', (n) => {
    const m = /secret=(\S+)/.exec(String(n.params.data));
    if (m === null) return;
    p.logs++;
    if (m[1] !== secretOf(name)) p.foreign++;
  });
  return p;
}

async function traffic(p: Party, count: number): Promise<Tally> {
  const result = await p.client.callTool({ name: 'test_secret_traffic', arguments: { secret: secretOf(p.name), count } });
  return result.structuredContent as unknown as Tally;
}

/** Ends the party's session with DELETE (the gateway closes what the session held), then the client. */
async function end(p: Party): Promise<void> {
  await p.transport.terminateSession();
  await p.client.close();
}

const isolated = (pool?: { max: number }) => ({
  upstreams: {
    fx: { ...fixtureStdio(), era: 'legacy' as const, prefix: '', isolation: 'per-session' as const, ...(pool && { isolationPool: pool }) },
  },
});

describe('isolation: per-session on a stdio upstream (two legacy SDK clients)', () => {
  let gw: TestGateway;
  let a: Party;
  let b: Party;
  let shared: number[];
  const pidOf: Record<string, number> = {};
  const pool = () => gw.gateway.isolation.pool('fx')!;
  const newChildren = () => fixtureChildren().filter((pid) => !shared.includes(pid));

  before(async () => {
    const existing = fixtureChildren();
    gw = await startGateway(isolated());
    // The shared connection's child (lists, subscriptions) starts with the gateway.
    shared = fixtureChildren();
    assert.equal(shared.filter((pid) => !existing.includes(pid)).length, 1, 'one shared child');
    a = await party(gw.url, 'a');
    b = await party(gw.url, 'b');
  });
  after(async () => {
    await a?.client.close();
    await b?.client.close();
    await gw?.stop();
  });

  it('each session’s first call starts its own child', async () => {
    assert.equal(pool().size, 0, 'initialize and tools/list start nothing');
    assert.deepEqual(await traffic(a, 2), { answered: 2, refused: 0, crossed: 0 });
    const afterA = newChildren();
    assert.equal(afterA.length, 1);
    pidOf.a = afterA[0]!;
    assert.deepEqual(await traffic(b, 2), { answered: 2, refused: 0, crossed: 0 });
    const afterB = newChildren().filter((pid) => pid !== pidOf.a);
    assert.equal(afterB.length, 1);
    pidOf.b = afterB[0]!;
    assert.equal(pool().size, 2);
    assert.equal(pool().created, 2);
  });

  it('concurrent callers, one with a call held in flight throughout: every request reaches its own caller', async (t: TestContext) => {
    const ownBefore = { a: a.own, b: b.own };
    const hold = new AbortController();
    // On a shared child, b's held call makes every request a's calls raise unattributable (all refused).
    const held = b.client.callTool({ name: 'test_hold', arguments: { ms: 600_000 } }, { signal: hold.signal }).catch(() => undefined);
    await waitFor(() => (pool().peek('session:' + b.transport.sessionId)!.inFlight > 0 ? true : undefined), 10_000, 'b’s held call');
    const ofA: Tally = { answered: 0, refused: 0, crossed: 0 };
    const ofB: Tally = { answered: 0, refused: 0, crossed: 0 };
    const add = (into: Tally, x: Tally) => {
      into.answered += x.answered;
      into.refused += x.refused;
      into.crossed += x.crossed;
    };
    const worker = async (p: Party, into: Tally, calls: number) => {
      for (let i = 0; i < calls; i++) add(into, await traffic(p, 50));
    };
    const started = performance.now();
    await Promise.all([worker(a, ofA, 12), worker(b, ofB, 8)]);
    hold.abort();
    await held;
    const statsOf = (pt: Party) => (pool().peek('session:' + pt.transport.sessionId) as Connection).stats!;
    const unattributed = statsOf(a).unattributedRequests + statsOf(b).unattributedRequests;
    t.diagnostic(
      `raised ${600 + 400} in ${Math.round(performance.now() - started)} ms: delivered a ${ofA.answered} b ${ofB.answered}, ` +
        `refused ${ofA.refused + ofB.refused}, crossed ${ofA.crossed + ofB.crossed}, misdelivered ${a.foreign + b.foreign}; peers counted ${unattributed} unattributable`,
    );
    assert.deepEqual(ofA, { answered: 600, refused: 0, crossed: 0 });
    assert.deepEqual(ofB, { answered: 400, refused: 0, crossed: 0 });
    assert.equal(a.own - ownBefore.a, 600);
    assert.equal(b.own - ownBefore.b, 400);
    assert.equal(a.foreign + b.foreign, 0, 'no caller saw another caller’s secret');
    assert.equal(unattributed, 0);
    // Every log line of every call reached its caller: 2 + 600 for a, 2 + 400 for b.
    await waitFor(() => (a.logs >= 602 && b.logs >= 402 ? true : undefined), 10_000, 'all log lines');
    assert.equal(a.logs, 602);
    assert.equal(b.logs, 402);
    assert.equal(pool().size, 2, 'still one child per session');
    assert.equal(pool().created, 2, 'no child was replaced');
  });

  it('ending a session (DELETE) reaps its child; the other session keeps its own', async () => {
    await end(a);
    await waitFor(() => (!alive(pidOf.a!) ? true : undefined), 15_000, 'a’s child to exit');
    assert.equal(pool().size, 1);
    assert.ok(alive(pidOf.b!), 'b’s child still runs');
    assert.deepEqual(await traffic(b, 4), { answered: 4, refused: 0, crossed: 0 });
    assert.deepEqual(newChildren(), [pidOf.b]);
  });

  it('gateway stop reaps every isolated child', async () => {
    await end(b);
    await gw.stop();
    await waitFor(() => (!alive(pidOf.b!) && shared.every((pid) => !alive(pid)) ? true : undefined), 15_000, 'children to exit');
  });
});

describe('isolation pool bound (isolationPool.max: 1)', () => {
  let gw: TestGateway;
  let a: Party;
  let b: Party;

  before(async () => {
    gw = await startGateway(isolated({ max: 1 }));
    a = await party(gw.url, 'a');
    b = await party(gw.url, 'b');
  });
  after(async () => {
    await a?.client.close();
    await b?.client.close();
    await gw?.stop();
  });

  it('a second caller gets GW_OVERLOADED with retryAfterMs, never the first caller’s connection', async () => {
    assert.deepEqual(await traffic(a, 2), { answered: 2, refused: 0, crossed: 0 });
    const refused = await b.client.callTool({ name: 'test_secret_traffic', arguments: { secret: secretOf('b'), count: 2 } }).then(
      (r) => r,
      (err: unknown) => err,
    );
    const err = refused as { code?: number; data?: { code?: string; retryAfterMs?: number; max?: number } };
    assert.equal(err.code, -32000, JSON.stringify(refused));
    assert.equal(err.data?.code, 'GW_OVERLOADED');
    assert.equal(err.data?.max, 1);
    assert.ok(typeof err.data?.retryAfterMs === 'number' && err.data.retryAfterMs >= 1000);
    assert.equal(a.foreign + b.own + b.foreign, 0, 'b’s call never ran on a’s child');
    assert.equal(gw.gateway.isolation.pool('fx')!.size, 1);
  });

  it('once the first session ends, the second caller gets the freed slot', async () => {
    await end(a);
    assert.deepEqual(await traffic(b, 2), { answered: 2, refused: 0, crossed: 0 });
    assert.equal(gw.gateway.isolation.pool('fx')!.created, 2);
  });
});
