// Alert rules: thresholds, durations ("for 30 s"), hysteresis, history and de-duplication, on a ManualClock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsSchema } from '../../../src/config/alerts-schema.js';
import { ManualClock } from '../../../src/core/manual-clock.js';
import { createChannels } from '../../../src/observability/channels.js';
import { createAlertEngine, type Alert } from '../../../src/observability/alerts/index.js';

function setup(config: unknown = {}, gauges = {}) {
  const clock = new ManualClock();
  const channels = createChannels();
  const seen: Alert[] = [];
  const engine = createAlertEngine({ config: alertsSchema.parse(config), clock, channels, gauges, sinks: [(a) => seen.push(a)] });
  const calls = (n: number, outcome: 'ok' | 'upstream-error', durationMs = 10) => {
    for (let i = 0; i < n; i++)
      channels.callEnd.publish({
        requestId: 'r',
        upstream: 'fs',
        tool: 't',
        method: 'tools/call',
        at: 0,
        outcome,
        durationMs,
        attempts: 1,
      } as never);
  };
  const step = (ms: number) => {
    clock.advance(ms);
    engine.evaluate();
  };
  return { clock, channels, engine, seen, calls, step };
}

void describe('alert rules', () => {
  void it('error rate fires only after the value held for forMs, once, and resolves once', () => {
    const { seen, calls, step, engine } = setup({ rules: { errorRate: { threshold: 10, forMs: 30_000 } } });
    calls(12, 'upstream-error');
    step(0);
    step(20_000);
    assert.equal(seen.length, 0, 'not yet: 20 s < 30 s');
    calls(12, 'upstream-error');
    step(10_000);
    assert.deepEqual(
      seen.map((a) => [a.rule, a.subject, a.state]),
      [['errorRate', 'fs', 'firing']],
    );
    step(5_000);
    assert.equal(seen.length, 1, 'a firing alert is sent once');
    assert.equal(engine.active().length, 1);
    // The window (60 s) forgets the errors; resolution needs clearForMs (30 s) of clear values.
    step(60_000);
    assert.equal(seen.length, 1);
    step(30_000);
    assert.deepEqual(
      seen.map((a) => a.state),
      ['firing', 'resolved'],
    );
    assert.equal(engine.active().length, 0);
    assert.equal(engine.history().length, 2);
  });

  void it('a breach interrupted before forMs starts over', () => {
    const { seen, step } = setup({ rules: { memory: { forMs: 0 } } }, {});
    let memory = 0.9;
    const s = setup({ rules: { memory: { forMs: 30_000 } } }, { memory: () => memory });
    s.step(0);
    s.step(20_000);
    memory = 0.5;
    s.step(5_000);
    memory = 0.9;
    s.step(5_000);
    s.step(20_000);
    assert.equal(s.seen.length, 0, '25 s breached since the break');
    s.step(10_000);
    assert.deepEqual(
      s.seen.map((a) => [a.rule, a.subject, a.state]),
      [['memory', 'process', 'firing']],
    );
    step(1);
    assert.equal(seen.length, 0, 'no gauge, no alert');
  });

  void it('hysteresis: a value hovering just under the threshold does not resolve', () => {
    let memory = 0.9;
    const { seen, step } = setup(
      { rules: { memory: { threshold: 0.85, forMs: 0 } }, hysteresis: { margin: 0.1, clearForMs: 10_000 } },
      { memory: () => memory },
    );
    step(0);
    assert.equal(seen.length, 1);
    memory = 0.8; // under 0.85 but above 0.765 (threshold less 10 %)
    step(60_000);
    step(60_000);
    assert.equal(seen.length, 1, 'still firing');
    memory = 0.7;
    step(5_000);
    step(5_000);
    assert.equal(seen.length, 1, 'clear for 5 s < clearForMs');
    step(5_000);
    assert.deepEqual(
      seen.map((a) => a.state),
      ['firing', 'resolved'],
    );
  });

  void it('success rate below 95 % needs minCalls; p95 above the SLO', () => {
    const { seen, calls, step } = setup({
      minCalls: 20,
      rules: { successRate: { forMs: 0 }, p95Latency: { threshold: 1000, forMs: 0 }, errorRate: { enabled: false } },
    });
    calls(5, 'upstream-error');
    step(0);
    assert.deepEqual(
      seen.map((a) => a.id),
      [],
      '5 calls are too few to judge',
    );
    calls(15, 'ok', 2000);
    step(1000);
    assert.deepEqual(seen.map((a) => a.rule).sort(), ['p95Latency', 'successRate']);
    assert.equal(seen.find((a) => a.rule === 'successRate')?.value, 0.75);
  });

  void it('breaker open, upstream down and crash loop follow their channels', () => {
    const { channels, seen, step } = setup({ rules: { upstreamDown: { forMs: 0 }, crashLoop: { threshold: 3 } } });
    channels.breaker.publish({ upstream: 'fs', replica: 0, from: 'closed', to: 'open' });
    channels.upstreamState.publish({ upstream: 'db', replica: 0, state: 'down' });
    for (let i = 0; i < 3; i++) channels.upstreamExit.publish({ upstream: 'db', replica: 0, code: 1, signal: null, restarts: i });
    step(0);
    assert.deepEqual(seen.map((a) => `${a.rule}:${a.subject}`).sort(), ['breakerOpen:fs', 'crashLoop:db', 'upstreamDown:db']);
    channels.breaker.publish({ upstream: 'fs', replica: 0, from: 'open', to: 'closed' });
    step(1_000);
    step(29_000);
    assert.ok(!seen.some((a) => a.state === 'resolved'), 'clear for 29 s < clearForMs');
    step(1_000);
    assert.ok(seen.some((a) => a.id === 'breakerOpen:fs' && a.state === 'resolved'));
  });

  void it('history is bounded; disabled rules never fire', () => {
    let memory = 1;
    const { seen, engine, step } = setup(
      { historySize: 3, hysteresis: { clearForMs: 0 }, rules: { memory: { forMs: 0 }, cpu: { enabled: false } } },
      { memory: () => memory, cpu: () => 1 },
    );
    for (let i = 0; i < 4; i++) {
      memory = i % 2 === 0 ? 1 : 0;
      step(1000);
    }
    assert.equal(seen.length, 4);
    assert.equal(engine.history().length, 3);
    assert.ok(seen.every((a) => a.rule === 'memory'));
  });
});
