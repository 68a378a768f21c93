// The access log: one line per call with request id, session, principal, upstream, tool, duration,
// attempts, outcome and error code, to every sink (stdout and/or a file), and nothing when unsubscribed.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger, type Logger } from '../../../src/core/index.js';
import { subscribeAccessLog } from '../../../src/observability/access-log.js';
import { createChannels, createLogger, type CallEndEvent } from '../../../src/observability/index.js';

const end: CallEndEvent = {
  requestId: 'b-1',
  method: 'tools/call',
  upstream: 'mock',
  name: 'mock__echo',
  principal: 'alice',
  era: 'legacy',
  sessionId: 's-1',
  at: 10,
  outcome: 'upstream-error',
  errorCode: '-32603',
  durationMs: 12.34567,
  upstreamMs: 11.5,
  attempts: 2,
};

void describe('access log', () => {
  void it('writes one line per call with every field to each sink', () => {
    const lines: [unknown, string | undefined][] = [];
    const sink = { ...silentLogger, info: (o: object, m?: string) => void lines.push([o, m]) } as Logger;
    const channels = createChannels();
    const off = subscribeAccessLog(channels, [sink, sink]);
    channels.callEnd.publish(end);
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[0], [
      {
        type: 'access',
        requestId: 'b-1',
        session: 's-1',
        principal: 'alice',
        era: 'legacy',
        method: 'tools/call',
        upstream: 'mock',
        name: 'mock__echo',
        durationMs: 12.346,
        upstreamMs: 11.5,
        attempts: 2,
        outcome: 'upstream-error',
        errorCode: '-32603',
      },
      'access',
    ]);
    off();
    assert.equal(channels.callEnd.active, false, 'off: publishers skip the payload');
  });

  void it('appends JSON lines to a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'access-log-'));
    try {
      const file = join(dir, 'logs', 'access.log');
      const log = createLogger({ level: 'info', file });
      const channels = createChannels();
      subscribeAccessLog(channels, [log]);
      channels.callEnd.publish(end);
      channels.callEnd.publish({ ...end, requestId: 'b-2', outcome: 'ok', errorCode: undefined as never });
      // pino writes asynchronously: poll (bounded) until both lines are there.
      const read = () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);
      for (let i = 0; i < 500 && read().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      const rows = read().map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(
        rows.map((r) => [r.msg, r.requestId, r.outcome]),
        [
          ['access', 'b-1', 'upstream-error'],
          ['access', 'b-2', 'ok'],
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
