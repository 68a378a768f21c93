// CPU cost of the audit per call (issue 9 item 6), in process, no sockets: the audit gate + writer + the
// SQLite WAL log (real file, batched commits, hash chain, checkpoints) against an instant terminal, with
// C calls in flight (as under load), minus the same loop without the gate. Also the argument digest alone.
// Run: `node --import tsx bench/audit-cost.ts` (or `npm run build && node dist/bench/audit-cost.js`).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditWriter } from '../src/observability/audit/index.js';
import { createChannels } from '../src/observability/index.js';
import { compose, type CallContext, type Next } from '../src/pipeline/index.js';
import { createAuditGatePolicy } from '../src/policies/audit-gate/index.js';
import { digest } from '../src/store/audit/chain.js';
import { SqliteAuditSink } from '../src/store/sqlite/sqlite-audit-sink.js';
import { benchContext } from './lib/call-context.js';

const route = { upstream: 'up', kind: 'tool', name: 'up__echo', target: 'echo' } as const;
let seq = 0;
const ctx = (): CallContext =>
  benchContext({
    requestId: `r-${++seq}`,
    rpcId: seq,
    route,
    params: { name: 'echo', arguments: { message: 'hello world', count: 3, flags: { a: true } } },
    principal: { id: 'alice', kind: 'api-key', roles: ['analyst'] },
    sessionId: 'session-1',
    state: { committed: false, attempts: 1 },
  });
const terminal: Next = async () => ({ content: [{ type: 'text', text: 'hello world' }] });

/** CPU µs per call of `next` with `concurrency` calls in flight, over `calls` calls. */
async function cost(next: Next, calls: number, concurrency: number): Promise<number> {
  const run = async (n: number) => {
    for (let i = 0; i < n; i += concurrency) await Promise.all(Array.from({ length: concurrency }, () => next(ctx())));
  };
  await run(10_000);
  const start = process.cpuUsage();
  await run(calls);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

const dir = mkdtempSync(join(tmpdir(), 'bw-audit-bench-'));
const rows: string[] = [];
try {
  for (const concurrency of [1, 16]) {
    const base = await cost(terminal, 50_000, concurrency);
    for (const recordArguments of [false, true]) {
      const sink = new SqliteAuditSink(join(dir, `audit-${concurrency}-${recordArguments}.db`), {
        key: randomBytes(32),
        checkpointEveryRecords: 1000,
        checkpointEveryMs: 60_000,
      });
      const writer = new AuditWriter(sink, { recordArguments, sensitiveArguments: ['password', 'token'] }, createChannels());
      const next = compose([createAuditGatePolicy({ recorder: writer, onFailure: 'closed' })], terminal);
      const withAudit = await cost(next, 50_000, concurrency);
      await sink.close();
      rows.push(
        `| C${concurrency}, arguments ${recordArguments ? 'recorded' : 'digest only'} | ${base.toFixed(2)} | ${withAudit.toFixed(2)} | ${(withAudit - base).toFixed(2)} |`,
      );
    }
  }
  const args = { message: 'hello world', count: 3, flags: { a: true } };
  const start = process.cpuUsage();
  for (let i = 0; i < 200_000; i++) digest(args);
  const used = process.cpuUsage(start);
  rows.push(
    `| argument digest alone (SHA-256 of canonical JSON, small arguments) | | | ${((used.user + used.system) / 200_000).toFixed(2)} |`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(
  [
    '| audit (2 records per call: begin + end) | pass-through µs | with audit µs | added µs per call |',
    '|---|--:|--:|--:|',
    ...rows,
    '',
  ].join('\n'),
);
process.exit(0);
