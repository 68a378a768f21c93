import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter, ManualClock, flushMicrotasks, seededRandom } from '../../src/core/index.js';
import { GatewayError, UpstreamRpcError } from '../../src/errors/index.js';
import {
  RestartBudget,
  Supervisor,
  backoffDelay,
  classifyProbe,
  resolveRestart,
  type Link,
  type UpstreamEvents,
  type UpstreamState,
} from '../../src/upstream/index.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** A link whose end the test controls. */
function fakeLink(): Link & { crash(reason: string): void } {
  let crash!: (r: string) => void;
  const closed = new Promise<string>((resolve) => (crash = resolve));
  const link = {
    peer: {} as Link['peer'],
    info: {
      era: 'legacy',
      protocolVersion: '2025-11-25',
      serverInfo: { name: 'f', version: '1' },
      capabilities: {},
      instructions: undefined,
    },
    closed,
    ended: closed.then((reason) => ({ reason, code: 1, signal: null })),
    close: async () => crash('closed'),
    crash: (r: string) => crash(r),
  } satisfies Link & { crash(reason: string): void };
  return link;
}

function setup(opens: (() => Promise<Link>)[], restart = {}) {
  const clock = new ManualClock();
  const events = new Emitter<UpstreamEvents>();
  const states: UpstreamState[] = [];
  events.on('state', (s) => states.push(s.state));
  let n = 0;
  const sup = new Supervisor({
    name: 'u',
    clock,
    random: seededRandom(1),
    log: silent,
    restart: resolveRestart({ initialDelayMs: 100, maxDelayMs: 1_000, maxRestarts: 3, windowMs: 10_000, ...restart }),
    events,
    open: () => opens[Math.min(n++, opens.length - 1)]!(),
  });
  return { sup, clock, states, opened: () => n };
}

void describe('backoff', () => {
  void it('grows by the factor up to the cap, with jitter in [base/2, base]', () => {
    const policy = resolveRestart({ initialDelayMs: 100, maxDelayMs: 1_000, factor: 2 });
    const lo = { next: () => 0 };
    const hi = { next: () => 0.999999 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n, lo)),
      [50, 100, 200, 400, 500, 500],
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n, hi)),
      [100, 200, 400, 800, 1000, 1000],
    );
  });

  void it('declares a crash loop after maxRestarts inside the window and forgets old restarts', () => {
    const budget = new RestartBudget(resolveRestart({ maxRestarts: 2, windowMs: 1_000 }), seededRandom(2));
    assert.ok(budget.next(0) !== undefined);
    assert.ok(budget.next(10) !== undefined);
    assert.equal(budget.next(20), undefined);
    assert.ok(budget.next(1_500) !== undefined, 'the window slid');
  });
});

void describe('Supervisor', () => {
  void it('restarts after a crash with backoff; waiters get the new link', async () => {
    const first = fakeLink();
    const second = fakeLink();
    const { sup, clock, states } = setup([async () => first, async () => second]);
    await sup.start();
    assert.equal(sup.link, first);
    first.crash('boom');
    await flushMicrotasks();
    assert.equal(sup.state, 'restarting');
    assert.equal(sup.link, undefined);
    const waiting = sup.waitReady(new AbortController().signal);
    await clock.advanceAsync(100, 10);
    assert.equal(await waiting, second);
    assert.deepEqual(states, ['connecting', 'ready', 'restarting', 'ready']);
  });

  void it('a crash loop goes down, fails waiters fast, and an explicit start resets it', async () => {
    const failing = async (): Promise<Link> => {
      throw new Error('spawn failed');
    };
    const { sup, clock, opened } = setup([failing], { maxRestarts: 2 });
    await assert.rejects(sup.start(), /spawn failed/);
    const waiting = sup.waitReady(new AbortController().signal);
    await clock.advanceAsync(5_000, 10);
    assert.equal(sup.state, 'down');
    const err = await waiting.catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError && err.data?.maybeExecuted === false);
    assert.equal(opened(), 3);
    assert.equal(clock.pendingTimers, 1, 'only the cool-down probe is scheduled once down');
    await assert.rejects(sup.start(), /spawn failed/);
    assert.equal(opened(), 4);
  });

  void it('once down, probes one restart per cool-down (doubling) and recovers when the upstream is fixed', async () => {
    let fixed = false;
    const link = fakeLink();
    const flaky = async (): Promise<Link> => {
      if (fixed) return link;
      throw new Error('spawn failed');
    };
    const { sup, clock, opened } = setup([flaky], { maxRestarts: 2, windowMs: 10_000 });
    await assert.rejects(sup.start(), /spawn failed/);
    while (sup.state !== 'down') await clock.advanceAsync(10, 10);
    assert.equal(opened(), 3);
    await clock.advanceAsync(9_990, 10);
    assert.equal(opened(), 3, 'no probe before the first cool-down (the restart window)');
    await clock.advanceAsync(10, 10);
    assert.equal(opened(), 4, 'one probe after the cool-down');
    assert.equal(sup.state, 'down', 'a failed probe goes straight back down');
    await clock.advanceAsync(19_000, 1_000);
    assert.equal(opened(), 4, 'the next cool-down is twice as long');
    fixed = true;
    await clock.advanceAsync(1_100, 100);
    assert.equal(opened(), 5);
    assert.equal(sup.state, 'ready', 'a fixed upstream comes back by itself');
    await sup.stop();
    assert.equal(clock.pendingTimers, 0);
  });

  void it('a waiter is bounded by its signal; stop() closes the link and fails the rest', async () => {
    const { sup } = setup([() => new Promise<Link>(() => {})]);
    void sup.start().catch(() => {});
    const controller = new AbortController();
    const bounded = sup.waitReady(controller.signal);
    controller.abort('deadline');
    await assert.rejects(bounded, (e) => e === 'deadline');
    const other = sup.waitReady(new AbortController().signal);
    void sup.stop();
    await assert.rejects(other, (e: unknown) => e instanceof GatewayError);
    assert.equal(sup.state, 'closed');
  });
});

void describe('era probe classification', () => {
  void it('modern only with 2026-07-28 offered; JSON-RPC errors and 4xx are legacy; stdio silence is legacy', () => {
    assert.equal(classifyProbe({ result: { supportedVersions: ['2026-07-28'] } }, 'http').era, 'modern');
    assert.equal(classifyProbe({ result: { supportedVersions: ['2099-01-01'] } }, 'http').era, 'legacy');
    assert.equal(classifyProbe({ error: new UpstreamRpcError({ code: -32601, message: 'nf' }) }, 'stdio').era, 'legacy');
    const http400 = new GatewayError('GW_UPSTREAM_PROTOCOL', 'x', { data: { status: 400 } });
    assert.equal(classifyProbe({ error: http400 }, 'http').era, 'legacy');
    const http401 = new GatewayError('GW_UPSTREAM_PROTOCOL', 'x', { data: { status: 401 } });
    assert.throws(() => classifyProbe({ error: http401 }, 'http'));
    const timeout = new GatewayError('GW_TIMEOUT', 't');
    assert.equal(classifyProbe({ error: timeout }, 'stdio').era, 'legacy');
    assert.throws(() => classifyProbe({ error: timeout }, 'http'));
  });
});
