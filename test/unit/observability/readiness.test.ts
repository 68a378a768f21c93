// /readyz: ready when not draining and every required upstream has a ready replica; an optional upstream
// (`required: false`) never blocks readiness; details per component (config, upstreams, replicas, lag).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readiness } from '../../../src/app/gateway-state.js';
import { parseConfig } from '../../../src/config/index.js';
import type { GatewayStateSource, ReplicaSnapshot } from '../../../src/observability/metrics/index.js';

const config = parseConfig(
  {
    upstreams: {
      core: { url: 'http://127.0.0.1:9/mcp', replicas: [{ url: 'http://127.0.0.1:10/mcp' }] },
      extra: { url: 'http://127.0.0.1:11/mcp', required: false },
    },
  },
  '<unit>',
).config;

function source(replicas: ReplicaSnapshot[]): GatewayStateSource {
  return { replicas: () => replicas, bulkheads: () => [], sessions: () => ({ legacy: 0, modern: 0 }) };
}

void describe('readiness', () => {
  void it('an optional upstream that is down does not block readiness; one ready replica of a required one is enough', () => {
    const r = new Readiness(
      config,
      source([
        { upstream: 'core', replica: 0, state: 'down', breaker: 'open' },
        { upstream: 'core', replica: 1, state: 'ready', breaker: 'closed' },
        { upstream: 'extra', replica: 0, state: 'restarting' },
      ]),
    );
    const { ready, details } = r.report(false, { sessions: 3 });
    r.close();
    assert.equal(ready, true);
    assert.deepEqual(details.upstreams, {
      core: {
        required: true,
        ready: true,
        replicas: [
          { replica: 0, state: 'down', breaker: 'open' },
          { replica: 1, state: 'ready', breaker: 'closed' },
        ],
      },
      extra: { required: false, ready: false, replicas: [{ replica: 0, state: 'restarting' }] },
    });
    assert.equal((details.config as { status: string; upstreams: number }).upstreams, 2);
    assert.equal((details.eventLoop as { status: string }).status, 'ok');
    assert.equal(details.sessions, 3);
    assert.equal(details.waitingFor, undefined);
  });

  void it('a required upstream without a ready replica, or draining, makes the gateway unready', () => {
    const r = new Readiness(
      config,
      source([
        { upstream: 'core', replica: 0, state: 'connecting' },
        { upstream: 'extra', replica: 0, state: 'ready' },
      ]),
    );
    const down = r.report(false, {});
    assert.equal(down.ready, false);
    assert.deepEqual(down.details.waitingFor, ['core']);
    const r2 = new Readiness(config, source([{ upstream: 'core', replica: 0, state: 'ready' }]));
    const draining = r2.report(true, {});
    assert.equal(draining.ready, false);
    assert.equal(draining.details.draining, true);
    r.close();
    r2.close();
  });
});
