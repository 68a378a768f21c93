// The aggregate under hostile upstreams: malformed lists, list_changed storms, shared resource URIs,
// names of upstreams that are down. In-process fake upstreams and a manual clock; no sleeps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter, ManualClock, flushMicrotasks, silentLogger, type Logger } from '../../src/core/index.js';
import type { Params } from '../../src/protocol/index.js';
import { Aggregator, type AggregatedUpstream } from '../../src/router/index.js';
import { Dispatcher, SubscriptionHub, type CallerScope } from '../../src/session/index.js';
import type { SessionStore } from '../../src/session/session-store.js';
import type { UpstreamConnection, UpstreamEvents, UpstreamInfo, UpstreamState } from '../../src/upstream/types.js';

type Answer = Record<string, unknown> | Error | (() => Record<string, unknown>);

/** An upstream connection whose list answers the test sets; counts requests and subscriptions. */
class FakeUpstream implements UpstreamConnection {
  readonly events = new Emitter<UpstreamEvents>();
  state: UpstreamState = 'ready';
  info: UpstreamInfo | undefined;
  inFlight = 0;
  answers = new Map<string, Answer>();
  counts = new Map<string, number>();
  subscribed: string[] = [];
  unsubscribed: string[] = [];

  constructor(
    readonly name: string,
    capabilities: Record<string, unknown> = { tools: { listChanged: true } },
  ) {
    this.info = { era: 'legacy', protocolVersion: '2025-11-25', serverInfo: { name, version: '1' }, capabilities, instructions: undefined };
  }

  tools(...names: string[]): this {
    this.answers.set('tools/list', { tools: names.map((name) => ({ name, inputSchema: { type: 'object' } })) });
    return this;
  }

  async request(method: string, _params: Params | undefined): Promise<Record<string, unknown>> {
    this.counts.set(method, (this.counts.get(method) ?? 0) + 1);
    await Promise.resolve();
    const answer = this.answers.get(method) ?? {};
    if (answer instanceof Error) throw answer;
    return typeof answer === 'function' ? answer() : answer;
  }

  announce(method = 'notifications/tools/list_changed'): void {
    this.events.emit('notification', { jsonrpc: '2.0', method });
  }

  async start(): Promise<void> {}
  async notify(): Promise<void> {}
  async subscribeResource(uri: string): Promise<void> {
    this.subscribed.push(uri);
  }
  async unsubscribeResource(uri: string): Promise<void> {
    this.unsubscribed.push(uri);
  }
  setFallbackRequestHandler(): void {}
  async close(): Promise<void> {}
}

const upstream = (c: FakeUpstream, prefix = c.name): AggregatedUpstream => ({
  naming: { name: c.name, namespace: { prefix, separator: '__' } },
  connections: [c],
});

/** A logger that keeps warn lines. */
function recordingLogger(): Logger & { warns: { obj: object; msg?: string }[] } {
  const warns: { obj: object; msg?: string }[] = [];
  const log: Logger & { warns: typeof warns } = {
    ...silentLogger,
    warns,
    warn: (obj, msg) => void warns.push({ obj, msg }),
    child: () => log,
  };
  return log;
}

const names = (agg: Aggregator) => agg.tools.list.map((t) => t.name).sort();

async function started(
  a: AggregatedUpstream,
  b?: AggregatedUpstream,
  failedToStart?: string,
): Promise<{ agg: Aggregator; clock: ManualClock; log: ReturnType<typeof recordingLogger> }> {
  const clock = new ManualClock();
  const log = recordingLogger();
  const agg = new Aggregator(b ? [a, b] : [a], { clock, log });
  agg.start();
  if (failedToStart !== undefined) agg.giveUp(failedToStart);
  await agg.whenLoaded(1_000);
  return { agg, clock, log };
}

function deepSchema(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'object' };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { x: schema } };
  return schema;
}

describe('a malformed upstream list poisons only its own upstream', () => {
  const malformed: [string, Answer, RegExp][] = [
    [
      'a 20k-deep inputSchema',
      { tools: [{ name: 'deep', inputSchema: deepSchema(20_000) }] },
      /tools: item 0 (cannot be serialised|is nested deeper)/,
    ],
    [
      'a 200-deep inputSchema',
      { tools: [{ name: 'deep', inputSchema: deepSchema(200) }] },
      /tools: item 0 is nested deeper than 128 levels/,
    ],
    ['a non-array', { tools: { name: 'x' } }, /tools: not an array/],
    ['a missing list', {}, /tools: missing from the result/],
    ['an item that is not an object', { tools: ['x'] }, /tools: item 0 is not an object/],
    ['an item without a string name', { tools: [{ name: 'ok' }, { name: 7 }] }, /tools: item 1 has no string "name"/],
    ['a failed fetch', new Error('connection reset'), /tools: fetch failed: connection reset/],
  ];
  for (const [what, answer, reason] of malformed) {
    it(`${what}: others and its previous good list are served; /readyz and the log say why`, async () => {
      const good = new FakeUpstream('good').tools('echo');
      const bad = new FakeUpstream('bad').tools('old');
      const { agg, clock, log } = await started(upstream(good), upstream(bad));
      assert.deepEqual(names(agg), ['bad__old', 'good__echo']);
      bad.answers.set('tools/list', answer);
      bad.announce();
      await clock.advanceAsync(300, 50);
      assert.deepEqual(names(agg), ['bad__old', 'good__echo'], 'the previous good list stays, the good upstream is untouched');
      assert.doesNotThrow(() => JSON.stringify({ tools: agg.tools.list }), 'tools/list still serialises');
      assert.match(agg.health.details().lists.bad ?? '', reason);
      assert.equal(agg.health.details().lists.good, undefined);
      assert.equal(log.warns.length, 1, 'logged once');
      for (let i = 0; i < 5; i++) {
        bad.announce();
        await clock.advanceAsync(300, 50);
      }
      assert.equal(log.warns.length, 1, 'the same problem is not logged again');
      bad.tools('new');
      bad.announce();
      await clock.advanceAsync(300, 50);
      assert.deepEqual(names(agg), ['bad__new', 'good__echo'], 'a good list is taken again');
      assert.deepEqual(agg.health.details().lists, {}, 'and the problem is cleared');
    });
  }

  it('an upstream whose first list is bad contributes nothing; the rest is served', async () => {
    const good = new FakeUpstream('good').tools('echo');
    const bad = new FakeUpstream('bad');
    bad.answers.set('tools/list', { tools: [{ name: 'deep', inputSchema: deepSchema(20_000) }] });
    const { agg } = await started(upstream(good), upstream(bad));
    assert.deepEqual(names(agg), ['good__echo']);
    assert.match(agg.health.details().lists.bad ?? '', /^tools: /);
  });

  it('a flood of distinct problems is logged a bounded number of times', async () => {
    const bad = new FakeUpstream('bad').tools('old');
    const { agg, clock, log } = await started(upstream(bad));
    for (let i = 0; i < 200; i++) {
      bad.answers.set('tools/list', new Error(`reset #${i}`));
      bad.announce();
      await clock.advanceAsync(260, 260);
    }
    assert.match(agg.health.details().lists.bad ?? '', /reset #199/);
    assert.ok(log.warns.length <= 20 + Math.ceil((200 * 0.26 * 2) / 1) + 1, `${log.warns.length} lines`);
    assert.ok(log.warns.length < 200, 'throttled');
  });
});

describe('list_changed storms', () => {
  it('upstream: a change announced every 1 ms for 10 s costs ≤ 42 fetches, and the last change lands', async () => {
    const storm = new FakeUpstream('storm').tools('a');
    const { agg, clock } = await started(upstream(storm));
    let visible = 0;
    agg.events.on('aggregateChanged', () => visible++);
    const before = storm.counts.get('tools/list') ?? 0;
    for (let ms = 0; ms < 10_000; ms++) {
      if (ms === 9_999) storm.tools('a', 'b'); // one real change, announced by the storm's last message
      storm.announce();
      clock.advance(1);
      await flushMicrotasks(4);
    }
    await clock.advanceAsync(500, 50);
    const fetches = (storm.counts.get('tools/list') ?? 0) - before;
    assert.ok(fetches <= 10_000 / 250 + 2, `${fetches} fetches`);
    assert.ok(fetches >= 10, `${fetches} fetches: the storm is still listened to`);
    assert.deepEqual(names(agg), ['storm__a', 'storm__b'], 'the real change arrived');
    assert.equal(visible, 1, 'only the real change is visible');
  });

  it('downstream: one list_changed per window and only for a caller-visible change', async () => {
    const up = new FakeUpstream('up', { tools: {}, resources: { listChanged: true } }).tools('a');
    up.answers.set('resources/list', { resources: [{ uri: 'x://1' }] });
    up.answers.set('resources/templates/list', { resourceTemplates: [{ uriTemplate: 'x://t/{id}' }] });
    const clock = new ManualClock();
    const agg = new Aggregator([upstream(up)], { clock });
    const sent: string[] = [];
    const sessions = { values: () => [{ standalone: (m: { method: string }) => void sent.push(m.method) }][Symbol.iterator]() };
    const hub = new SubscriptionHub(agg, sessions as unknown as SessionStore, silentLogger, { clock });
    hub.start();
    agg.start();
    await clock.advanceAsync(200, 10);
    const atStart = sent.length;
    assert.ok(atStart <= 2, `${sent.join(', ')}: the first load is one notification per list`);

    // One resource change upstream refetches resources and templates: callers hear one list_changed.
    sent.length = 0;
    up.answers.set('resources/list', { resources: [{ uri: 'x://1' }, { uri: 'x://2' }] });
    up.answers.set('resources/templates/list', { resourceTemplates: [{ uriTemplate: 'x://t/{id}/v2' }] });
    up.announce('notifications/resources/list_changed');
    await clock.advanceAsync(400, 10);
    assert.deepEqual(sent, ['notifications/resources/list_changed']);

    // The same list announced again and again: nothing to tell.
    sent.length = 0;
    for (let i = 0; i < 50; i++) {
      up.announce();
      await clock.advanceAsync(20, 20);
    }
    assert.deepEqual(sent, []);

    // Real changes every 10 ms for 2 s: at most one notification per 100 ms window (and per 250 ms refetch).
    let n = 0;
    for (let ms = 0; ms < 2_000; ms += 10) {
      up.tools('a', `t${n++}`);
      up.announce();
      await clock.advanceAsync(10, 10);
    }
    await clock.advanceAsync(500, 50);
    assert.ok(sent.length >= 2 && sent.length <= 2_000 / 100 + 1, `${sent.length} notifications`);
    assert.ok(names(agg).includes(`up__t${n - 1}`), 'the last change is served');
    hub.stop();
    agg.stop();
  });
});

describe('resources several upstreams list', () => {
  const serving = (name: string) => {
    const c = new FakeUpstream(name, { resources: { subscribe: true, listChanged: true } });
    c.answers.set('resources/list', { resources: [{ uri: 'shared://doc', name: `doc of ${name}` }, { uri: `own://${name}` }] });
    c.answers.set('resources/templates/list', { resourceTemplates: [{ uriTemplate: 'shared://items/{id}', name: `items of ${name}` }] });
    return c;
  };

  it('are reported, listed once with their templates, and read where the list says', async () => {
    const a = serving('a');
    const b = serving('b');
    const { agg, log } = await started(upstream(a, ''), upstream(b, ''));
    const docs = agg.resources.resources.filter((r) => r.uri === 'shared://doc');
    assert.deepEqual(
      docs.map((r) => r.name),
      ['doc of a'],
    );
    assert.deepEqual(
      agg.resources.templates.map((t) => t.name),
      ['items of a'],
      'one template per uriTemplate',
    );
    assert.equal(agg.resources.route('shared://doc'), 'a');
    assert.equal(agg.resources.route('shared://items/7'), 'a');
    assert.equal(agg.resources.routeTemplate('shared://items/{id}'), 'a');
    assert.equal(agg.resources.route('own://b'), 'b');
    const { sharedResources } = agg.health.details();
    assert.deepEqual(sharedResources, { 'shared://doc': ['a', 'b'], 'shared://items/{id}': ['a', 'b'] });
    assert.ok(log.warns.some((w) => /several upstreams/.test(w.msg ?? '')));
  });

  it('a subscription goes to the upstream the list attributes the URI to, and follows it', async () => {
    const a = serving('a');
    const b = serving('b');
    const clock = new ManualClock();
    const agg = new Aggregator([upstream(a, ''), upstream(b, '')], { clock });
    const sent: unknown[] = [];
    const session = {
      subscriptions: new Set<string>(),
      standalone: (m: unknown) => void sent.push(m),
      subscribe: (u: string) => !!session.subscriptions.add(u),
    };
    const sessions = { values: () => [session][Symbol.iterator]() };
    const hub = new SubscriptionHub(agg, sessions as unknown as SessionStore, silentLogger, { clock });
    hub.start();
    agg.start();
    // Subscribed while the lists load: it waits for them rather than guessing.
    const scope = { session } as unknown as CallerScope;
    const subscribing = hub.subscribe(scope, 'shared://doc');
    await clock.advanceAsync(50, 10);
    await subscribing;
    assert.deepEqual(a.subscribed, ['shared://doc']);
    assert.deepEqual(b.subscribed, []);
    // The shadowed upstream's update is not about the resource callers see; the owner's is.
    b.events.emit('notification', { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'shared://doc' } });
    a.events.emit('notification', { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'shared://doc' } });
    assert.equal(sent.filter((m) => (m as { method: string }).method === 'notifications/resources/updated').length, 1);
    // a stops listing it: b serves it now, and the subscription moves there.
    a.answers.set('resources/list', { resources: [{ uri: 'own://a' }] });
    a.announce('notifications/resources/list_changed');
    await clock.advanceAsync(400, 10);
    assert.equal(agg.resources.route('shared://doc'), 'b');
    assert.deepEqual(a.unsubscribed, ['shared://doc']);
    assert.deepEqual(b.subscribed, ['shared://doc']);
    hub.stop();
    agg.stop();
  });
});

describe('names of upstreams that are down', () => {
  function dispatcherFor(agg: Aggregator) {
    let pipelineRuns = 0;
    const dispatcher = new Dispatcher({
      aggregator: agg,
      pipelines: {
        forRoute: () => async () => {
          pipelineRuns++;
          return { content: [] };
        },
      },
      hub: {} as SubscriptionHub,
      info: { serverInfo: { name: 'gw', version: '1' }, instructions: () => undefined },
      clock: new ManualClock(),
      log: silentLogger,
      cacheHints: { ttlMs: 0, cacheScope: 'private' },
      listWaitMs: 0,
    });
    const scope = {
      era: 'legacy',
      session: undefined,
      principal: { id: 'p' },
      signal: new AbortController().signal,
    } as unknown as CallerScope;
    const call = async (name: string) => {
      const res = await dispatcher.handle({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } }, scope);
      return 'error' in res ? (res.error as { code: number; data: Record<string, unknown> }) : undefined;
    };
    return { call, runs: () => pipelineRuns };
  }

  it('a tool of an upstream that never came up is GW_UPSTREAM_UNAVAILABLE; an unknown prefix stays GW_NOT_FOUND', async () => {
    const up = new FakeUpstream('up').tools('echo');
    const never = new FakeUpstream('never').tools('echo');
    never.state = 'down';
    never.info = undefined;
    const { agg } = await started(upstream(up), upstream(never), 'never');
    const { call, runs } = dispatcherFor(agg);
    const down = await call('never__echo');
    assert.equal(down?.code, -32003);
    assert.equal(down?.data.code, 'GW_UPSTREAM_UNAVAILABLE');
    assert.equal(down?.data.upstream, 'never');
    assert.equal(down?.data.maybeExecuted, false);
    const unknown = await call('nope__echo');
    assert.equal(unknown?.data.code, 'GW_NOT_FOUND');
    assert.equal(unknown?.code, -32602);
    const missing = await call('up__missing');
    assert.equal(missing?.data.code, 'GW_NOT_FOUND', 'a ready, loaded upstream without the tool: the caller is wrong');
    assert.equal(runs(), 0, 'no pipeline ran: nothing counted against a breaker');
    assert.equal(await call('up__echo'), undefined);
  });

  it('a ready upstream whose list was never accepted, or that went down, is unavailable too', async () => {
    const up = new FakeUpstream('up');
    up.answers.set('tools/list', { tools: 'garbage' });
    const other = new FakeUpstream('other').tools('echo');
    const { agg } = await started(upstream(up), upstream(other));
    const { call } = dispatcherFor(agg);
    assert.equal((await call('up__echo'))?.data.code, 'GW_UPSTREAM_UNAVAILABLE');
    other.state = 'down';
    assert.equal((await call('other__nope'))?.data.code, 'GW_UPSTREAM_UNAVAILABLE');
  });
});
