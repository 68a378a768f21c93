// Issue 6, item 8: a caller decides how many calls fail (here: every call to an upstream that never came
// up), so the per-call warn lines are rate-limited, and the number suppressed is reported, never lost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import type { Logger } from '../../src/core/index.js';
import { rawSession } from '../helpers/raw-http.js';

function capture(): { log: Logger; lines: { level: string; obj: Record<string, unknown>; msg?: string }[] } {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return { log, lines };
}

test('2,000 calls to a down upstream write a bounded number of warn lines, and say how many were suppressed', async (t) => {
  const { log, lines } = capture();
  const config = parseConfig(
    { server: { port: 0 }, upstreams: { gone: { command: '/nonexistent/breakwater-test-binary', restart: { maxRestarts: 0 } } } },
    '<test>',
  ).config;
  const gateway = new Gateway({ config, log });
  await gateway.start();
  try {
    const session = await rawSession(gateway.url);
    const started = Date.now();
    const codes = new Set<unknown>();
    for (let batch = 0; batch < 40; batch++) {
      const replies = await Promise.all(
        Array.from({ length: 50 }, () => session.call('tools/call', { name: 'gone__anything', arguments: {} })),
      );
      for (const reply of replies) codes.add((reply.error?.data as { code?: string } | undefined)?.code);
    }
    const seconds = (Date.now() - started) / 1000;
    assert.deepEqual([...codes], ['GW_UPSTREAM_UNAVAILABLE']);
    const failed = lines.filter((l) => l.level === 'warn' && l.msg?.startsWith('call failed'));
    const suppressed = failed.reduce((n, l) => n + (typeof l.obj.suppressed === 'number' ? l.obj.suppressed : 0), 0);
    t.diagnostic(`${failed.length} warn lines for 2,000 failed calls in ${seconds.toFixed(1)} s; ${suppressed} reported suppressed`);
    // Burst 100 plus 50 per second of elapsed time, whatever the machine's speed.
    assert.ok(failed.length <= 100 + 50 * (seconds + 1), `${failed.length} lines`);
    assert.ok(failed.length + suppressed <= 2_000 && failed.length + suppressed >= 2_000 - 50 * (seconds + 1));
    await session.close();
  } finally {
    await gateway.stop();
  }
});
