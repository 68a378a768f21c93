// Issue 7 item 8: a resource subscription the upstream could not make is an error to the caller (legacy
// resources/subscribe) or left out of the acknowledgement (modern subscriptions/listen): never a false
// success, and the caller holds nothing it could later believe is watched. In-process, manual clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter, ManualClock, silentLogger } from '../../src/core/index.js';
import { GatewayError } from '../../src/errors/index.js';
import type { JsonRpcMessage } from '../../src/protocol/index.js';
import { Aggregator } from '../../src/router/index.js';
import { SubscriptionHub, type CallerScope } from '../../src/session/index.js';
import type { SessionStore } from '../../src/session/session-store.js';
import type { UpstreamConnection, UpstreamEvents, UpstreamInfo, UpstreamState } from '../../src/upstream/types.js';

const REFUSED = 'res://refused';
const FINE = 'res://fine';

/** Serves two resources; subscribing to REFUSED fails the way an upstream refusal does. */
class Upstream implements UpstreamConnection {
  readonly name = 'up';
  readonly events = new Emitter<UpstreamEvents>();
  state: UpstreamState = 'ready';
  inFlight = 0;
  info: UpstreamInfo = {
    era: 'legacy',
    protocolVersion: '2025-11-25',
    serverInfo: { name: 'up', version: '1' },
    capabilities: { resources: { subscribe: true } },
    instructions: undefined,
  };
  subscribed: string[] = [];

  async request(method: string): Promise<Record<string, unknown>> {
    await Promise.resolve();
    if (method === 'resources/list') return { resources: [{ uri: REFUSED }, { uri: FINE }] };
    return {};
  }
  async subscribeResource(uri: string): Promise<void> {
    await Promise.resolve();
    if (uri === REFUSED) throw new GatewayError('GW_METHOD_NOT_FOUND', `Upstream up did not agree to watch ${uri}`);
    this.subscribed.push(uri);
  }
  async unsubscribeResource(): Promise<void> {}
  async start(): Promise<void> {}
  async notify(): Promise<void> {}
  setFallbackRequestHandler(): void {}
  async close(): Promise<void> {}
}

async function hubWith(): Promise<{ hub: SubscriptionHub; up: Upstream; stop: () => void }> {
  const clock = new ManualClock();
  const up = new Upstream();
  const agg = new Aggregator([{ naming: { name: 'up', namespace: { prefix: '', separator: '__' } }, connections: [up] }], { clock });
  agg.start();
  await agg.whenLoaded(1_000);
  const hub = new SubscriptionHub(agg, { values: () => [][Symbol.iterator]() } as unknown as SessionStore, silentLogger, { clock });
  hub.start();
  return {
    hub,
    up,
    stop: () => {
      hub.stop();
      agg.stop();
    },
  };
}

void describe('a resource subscription the upstream could not make', () => {
  void it('legacy resources/subscribe: the caller gets the upstream error and its session holds nothing', async () => {
    const { hub, up, stop } = await hubWith();
    const subscriptions = new Set<string>();
    const session = {
      subscriptions,
      subscribe: (u: string) => !subscriptions.has(u) && !!subscriptions.add(u),
      unsubscribe: (u: string) => subscriptions.delete(u),
    };
    const scope = { session } as unknown as CallerScope;

    await assert.rejects(
      hub.subscribe(scope, REFUSED),
      (err: unknown) => err instanceof GatewayError && err.code === 'GW_METHOD_NOT_FOUND',
    );
    assert.deepEqual([...subscriptions], []);
    // Nothing was left counted: asking again asks the upstream again (and fails again), not a silent success.
    await assert.rejects(hub.subscribe(scope, REFUSED));
    assert.deepEqual(await hub.subscribe(scope, FINE), {});
    assert.deepEqual([...subscriptions], [FINE]);
    assert.deepEqual(up.subscribed, [FINE]);
    stop();
  });

  void it('modern subscriptions/listen: the acknowledgement names only the URIs being watched', async () => {
    const { hub, stop } = await hubWith();
    const written: JsonRpcMessage[] = [];
    const controller = new AbortController();
    const listening = hub.listen('L1', { resourceSubscriptions: [REFUSED, FINE] }, (m) => written.push(m) > 0, controller.signal);
    while (written.length === 0) await new Promise((r) => setImmediate(r));
    const ack = written[0] as unknown as { method: string; params: { notifications: { resourceSubscriptions?: string[] } } };
    assert.equal(ack.method, 'notifications/subscriptions/acknowledged');
    assert.deepEqual(ack.params.notifications.resourceSubscriptions, [FINE]);
    controller.abort();
    await listening;
    stop();
  });
});
