// Issue 7.1: two legacy SDK clients share one stdio upstream (one channel, no correlation). A sampling or
// elicitation request or a log line raised by one client's call must never reach the other: it reaches its
// own caller when that is certain, and is refused otherwise (counted by the peer).
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { Connection } from '../../src/upstream/index.js';
import { connect, fixtureStdio, startGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/mock-upstream.js';

interface Party {
  readonly name: string;
  readonly client: Client;
  /** Requests and logs carrying this party's secret that reached it. */
  own: number;
  /** Requests and logs carrying another party's secret that reached it: must stay 0. */
  foreign: number;
  logs: number;
}

interface Tally {
  answered: number;
  refused: number;
  crossed: number;
}

const secretOf = (name: string): string => `secret-of-${name}`;

async function party(url: string, name: string): Promise<Party> {
  const client = await connect(url, 'legacy', { sampling: {}, elicitation: { form: {} } });
  const p: Party = { name, client, own: 0, foreign: 0, logs: 0 };
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
    const data = String(n.params.data);
    const m = /secret=(\S+)/.exec(data);
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

function add(into: Tally, t: Tally): void {
  into.answered += t.answered;
  into.refused += t.refused;
  into.crossed += t.crossed;
}

describe('server→client traffic on a shared stdio upstream (two legacy SDK clients)', () => {
  let gw: TestGateway;
  let a: Party;
  let b: Party;
  const stats = () => (gw.gateway.upstreams.get('fx')![0] as Connection).stats!;

  before(async () => {
    gw = await startGateway({ upstreams: { fx: { ...fixtureStdio(), era: 'legacy', prefix: '' } } });
    a = await party(gw.url, 'a');
    b = await party(gw.url, 'b');
  });
  after(async () => {
    await a?.client.close();
    await b?.client.close();
    await gw?.stop();
  });

  it('alone on the upstream, a caller gets its own requests and logs', async () => {
    const t = await traffic(a, 20);
    assert.deepEqual(t, { answered: 20, refused: 0, crossed: 0 });
    assert.equal(a.own, 20);
    await waitFor(() => (a.logs >= 20 ? true : undefined), 5000, 'a’s 20 log lines');
    assert.equal(a.foreign + b.foreign + b.own + b.logs, 0);
  });

  it('while the other caller has a call in flight: ≥ 1000 requests raised, each refused, none misdelivered', async (t: TestContext) => {
    const before = { ...stats() };
    const hold = new AbortController();
    // B keeps a call in flight for the whole phase: whatever A's calls raise is in doubt.
    const held = b.client.callTool({ name: 'test_hold', arguments: { ms: 600_000 } }, { signal: hold.signal }).catch(() => undefined);
    await waitFor(() => (gw.gateway.upstreams.get('fx')![0]!.inFlight > 0 ? true : undefined), 5000, 'b’s held call');
    const ofA: Tally = { answered: 0, refused: 0, crossed: 0 };
    const ofB: Tally = { answered: 0, refused: 0, crossed: 0 };
    const started = performance.now();
    // Both callers raise traffic concurrently (two workers each), B beside its held call.
    const worker = async (p: Party, into: Tally, calls: number) => {
      for (let i = 0; i < calls; i++) add(into, await traffic(p, 50));
    };
    await Promise.all([worker(a, ofA, 12), worker(a, ofA, 12), worker(b, ofB, 2), worker(b, ofB, 2)]);
    hold.abort();
    await held;
    const raisedA = ofA.answered + ofA.refused + ofA.crossed;
    const raisedB = ofB.answered + ofB.refused + ofB.crossed;
    const after = stats();
    const refusedByPeer = after.unattributedRequests - before.unattributedRequests;
    t.diagnostic(
      `raised ${raisedA + raisedB} in ${Math.round(performance.now() - started)} ms (a ${raisedA} beside b’s held call, b ${raisedB}): ` +
        `delivered ${ofA.answered + ofB.answered}, refused ${ofA.refused + ofB.refused}, misdelivered ${a.foreign + b.foreign}; ` +
        `peer counted ${refusedByPeer} refused requests, ${after.unattributedNotifications - before.unattributedNotifications} dropped logs`,
    );
    assert.equal(raisedA, 1200);
    assert.equal(raisedB, 200);
    assert.equal(ofA.crossed + ofB.crossed, 0, 'no answer came from the wrong caller');
    assert.equal(a.foreign + b.foreign, 0, 'no caller saw another caller’s secret');
    // B's held call is in flight throughout: A's traffic is always in doubt. B's may be certain once A is done.
    assert.equal(ofA.refused, raisedA, 'every request of a raised beside b’s call was refused');
    assert.equal(refusedByPeer, ofA.refused + ofB.refused, 'each refusal counted');
  });

  it('free-running concurrent callers: every request reaches its own caller or is refused', async (t: TestContext) => {
    const total: Tally = { answered: 0, refused: 0, crossed: 0 };
    const ownBefore = a.own + b.own;
    const worker = async (p: Party) => {
      for (let i = 0; i < 5; i++) add(total, await traffic(p, 40));
    };
    await Promise.all([worker(a), worker(b)]);
    const raised = total.answered + total.refused;
    t.diagnostic(`raised ${raised}: delivered ${total.answered}, refused ${total.refused}, misdelivered ${a.foreign + b.foreign}`);
    assert.equal(total.crossed, 0);
    assert.equal(a.foreign + b.foreign, 0);
    assert.equal(raised, 400);
    assert.equal(a.own + b.own - ownBefore, total.answered, 'each delivered request reached the caller whose secret it carried');
  });
});
