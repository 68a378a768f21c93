// Issue 7 item 12(b): restart defaults per transport. A stdio child that keeps crashing is given up on
// fast; an HTTP or SSE upstream that is unreachable (network, redeploy) is retried longer and gentler.
// The outage is simulated on the restart budget itself (each attempt fails at once), on a fake timeline.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { upstreamSpecs } from '../../src/app/upstream-specs.js';
import { parseConfig } from '../../src/config/index.js';
import { RestartBudget, resolveRestart, type ResolvedRestart, type UpstreamSpec } from '../../src/upstream/index.js';

const midJitter = { next: () => 0.5 };

/** Attempts and seconds of an outage (every attempt fails at once) before the budget calls it a crash loop. */
function untilDown(policy: ResolvedRestart): { attempts: number; seconds: number; longestWaitMs: number } {
  const budget = new RestartBudget(policy, midJitter);
  let now = 0;
  let attempts = 0;
  let longestWaitMs = 0;
  for (;;) {
    const delay = budget.next(now);
    if (delay === undefined) return { attempts, seconds: now / 1000, longestWaitMs };
    attempts++;
    longestWaitMs = Math.max(longestWaitMs, delay);
    now += delay;
  }
}

const specsOf = (upstreams: Record<string, unknown>): UpstreamSpec[] => {
  const { config } = parseConfig({ upstreams }, '<test>');
  return Object.entries(config.upstreams).flatMap(([name, u]) => upstreamSpecs(name, u));
};

void describe('restart defaults per transport', () => {
  void it('an outage of a network upstream is retried for minutes, never more than 30 s apart; a stdio child is given up on in seconds', (t) => {
    const stdio = untilDown(resolveRestart(undefined, 'stdio'));
    for (const kind of ['streamable-http', 'sse'] as const) {
      const network = untilDown(resolveRestart(undefined, kind));
      t.diagnostic(
        `${kind}: ${network.attempts} attempts over ${network.seconds} s before 'down'; stdio: ${stdio.attempts} over ${stdio.seconds} s`,
      );
      assert.ok(network.seconds >= 240, `${kind} gave up after ${network.seconds} s`);
      assert.ok(network.longestWaitMs <= 30_000);
      assert.ok(network.attempts > stdio.attempts);
    }
    assert.ok(stdio.seconds < 5, `stdio unchanged: ${stdio.seconds} s`);
  });

  void it('config leaves unset fields to the transport; what the user sets wins', () => {
    const specs = specsOf({
      child: { command: 'node', args: ['x.js'] },
      http: { url: 'http://127.0.0.1:1/mcp' },
      sse: { url: 'http://127.0.0.1:1/sse' },
      tuned: { url: 'http://127.0.0.1:1/mcp', restart: { maxRestarts: 3 } },
    });
    const resolved = Object.fromEntries(specs.map((s) => [s.name, resolveRestart(s.restart, s.kind)]));
    assert.deepEqual(resolved.child, { initialDelayMs: 100, maxDelayMs: 10_000, factor: 2, maxRestarts: 5, windowMs: 60_000 });
    assert.deepEqual(resolved.http, { initialDelayMs: 1_000, maxDelayMs: 30_000, factor: 2, maxRestarts: 20, windowMs: 600_000 });
    assert.deepEqual(resolved.sse, resolved.http);
    assert.deepEqual(resolved.tuned, { ...resolved.http, maxRestarts: 3 });
  });
});
