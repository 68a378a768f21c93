// The audit log: hash chain, signed checkpoints and head, start-up reconciliation, tamper detection,
// the gate's write-ahead and fail-closed behaviour, and the writer's records.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { GatewayError } from '../../../src/errors/index.js';
import { AuditWriter } from '../../../src/observability/audit/index.js';
import { createChannels } from '../../../src/observability/index.js';
import { createAuditGatePolicy } from '../../../src/policies/audit-gate/index.js';
import { rowHash, type AuditRow } from '../../../src/store/audit/chain.js';
import { verifyRows } from '../../../src/store/audit/verify.js';
import type { AuditBegin, AuditSink } from '../../../src/store/audit-sink.js';
import { readAuditRows, readHead, SqliteAuditSink } from '../../../src/store/sqlite/sqlite-audit-sink.js';
import { ManualClock, makeCtx } from '../policies/_support.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const key = randomBytes(32);
let n = 0;
const fresh = () => join(dir, `audit-${++n}.db`);
const open = (file: string, every = 1000) => new SqliteAuditSink(file, { key, checkpointEveryRecords: every, checkpointEveryMs: 60_000 });
const begin = (id: string): AuditBegin => ({
  time: new Date().toISOString(),
  requestId: id,
  principal: 'alice',
  method: 'tools/call',
  upstream: 'u',
  tool: 'u__t',
});
const verify = (file: string) => verifyRows(readAuditRows(file), key, readHead(file));

async function calls(sink: AuditSink, ids: string[], end = true): Promise<void> {
  await Promise.all(ids.map((id) => sink.begin(begin(id))));
  if (end) for (const id of ids) sink.end({ ...begin(id), outcome: 'ok', latencyMs: 1, attempts: 1 });
  await sink.flush();
}

/** Re-hashes every row from `fromSeq` on, as a forger without the key would after an edit. */
function rechain(file: string, fromSeq: number): void {
  const db = new Database(file);
  const rows = db
    .prepare('SELECT seq, kind, request_id AS requestId, body, prev, hash FROM audit WHERE seq >= ? ORDER BY seq')
    .all(fromSeq) as AuditRow[];
  let prev = (db.prepare('SELECT hash FROM audit WHERE seq = ?').get(fromSeq - 1) as { hash: string }).hash;
  for (const r of rows) {
    const hash = rowHash(prev, r.seq, r.kind, r.body);
    db.prepare('UPDATE audit SET prev = ?, hash = ? WHERE seq = ?').run(prev, hash, r.seq);
    prev = hash;
  }
  db.close();
}

describe('audit log', () => {
  it('chains every record, signs checkpoints, and verifies after a clean stop', async () => {
    const file = fresh();
    const sink = open(file, 10);
    await calls(
      sink,
      Array.from({ length: 25 }, (_, i) => `c${i}`),
    );
    sink.denial({ time: new Date().toISOString(), method: 'authenticate', reason: 'api-key:invalid' });
    await sink.close();
    const report = verify(file);
    assert.deepEqual(report.problems, []);
    assert.ok(report.ok);
    assert.equal(report.unsealed, 0, 'the stop checkpoint seals everything');
    // Sealed when a batch crosses the threshold: start, one per batch here (25 begins, then 25 ends), stop.
    assert.ok(report.checkpoints >= 4, `checkpoints: ${report.checkpoints}`);
    const kinds = [...readAuditRows(file)].map((r) => r.kind);
    assert.equal(kinds.filter((k) => k === 'begin').length, 25);
    assert.equal(kinds.filter((k) => k === 'end').length, 25);
    assert.equal(kinds.filter((k) => k === 'denial').length, 1);
  });

  it('a restart gives every begin without a final record exactly one `interrupted` record', async () => {
    const file = fresh();
    const crashed = open(file);
    await calls(crashed, ['done-1', 'done-2']);
    await calls(crashed, ['lost-1', 'lost-2', 'lost-3'], false);
    // No close(): as after SIGKILL. A new process opens the same file.
    const restarted = open(file);
    await restarted.close();
    const reopened = open(file);
    await reopened.close();
    const finals = [...readAuditRows(file)].filter((r) => r.kind === 'end' || r.kind === 'interrupted');
    const byId = new Map<string, string[]>();
    for (const r of finals) byId.set(r.requestId!, [...(byId.get(r.requestId!) ?? []), r.kind]);
    assert.deepEqual(Object.fromEntries(byId), {
      'done-1': ['end'],
      'done-2': ['end'],
      'lost-1': ['interrupted'],
      'lost-2': ['interrupted'],
      'lost-3': ['interrupted'],
    });
    const interrupted = JSON.parse(finals.find((r) => r.requestId === 'lost-2')!.body) as Record<string, unknown>;
    assert.equal(interrupted.principal, 'alice', 'the interrupted record keeps what the begin knew');
    assert.deepEqual(verify(file).problems, []);
  });

  describe('tampering is detected', () => {
    async function sealedLog(): Promise<string> {
      const file = fresh();
      const sink = open(file, 8);
      await calls(
        sink,
        Array.from({ length: 20 }, (_, i) => `t${i}`),
      );
      await sink.close();
      assert.ok(verify(file).ok);
      return file;
    }
    const edit = (file: string, sql: string, ...params: unknown[]) => {
      const db = new Database(file);
      db.prepare(sql).run(...params);
      db.close();
    };

    it('an edited record', async () => {
      const file = await sealedLog();
      edit(file, `UPDATE audit SET body = replace(body, 'alice', 'mallory') WHERE seq = 5`);
      assert.match(verify(file).problems.join('\n'), /record 5: content does not match its hash \(edited\)/);
    });

    it('an edited record with the chain recomputed (no key): the signatures catch it', async () => {
      const file = await sealedLog();
      edit(file, `UPDATE audit SET body = replace(body, 'alice', 'mallory') WHERE seq = 5`);
      rechain(file, 5);
      const problems = verify(file).problems.join('\n');
      assert.match(problems, /checkpoint \d+: (does not cover|signature invalid)|differs from the signed head/);
      assert.doesNotMatch(problems, /content does not match/);
    });

    it('a deleted record', async () => {
      const file = await sealedLog();
      edit(file, 'DELETE FROM audit WHERE seq = 7');
      assert.match(verify(file).problems.join('\n'), /records 7\.\.7 are missing/);
    });

    it('a truncated log (the tail deleted, checkpoints included)', async () => {
      const file = await sealedLog();
      edit(file, 'DELETE FROM audit WHERE seq > 30');
      const report = verify(file);
      assert.equal(report.ok, false);
      assert.match(report.problems.join('\n'), /signed head names record \d+ \(truncated\)/);
    });

    it('a duplicated final record', async () => {
      const file = await sealedLog();
      const db = new Database(file);
      const end = db.prepare(`SELECT * FROM audit WHERE kind = 'end' LIMIT 1`).get() as { request_id: string; body: string };
      const last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
      const seq = last.seq + 1;
      db.prepare('INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?)').run(
        seq,
        'end',
        end.request_id,
        end.body,
        last.hash,
        rowHash(last.hash, seq, 'end', end.body),
      );
      db.close();
      assert.match(verify(file).problems.join('\n'), /more than one final record/);
    });

    it('a checkpoint signed with another key', async () => {
      const file = await sealedLog();
      assert.match(verifyRows(readAuditRows(file), randomBytes(32), readHead(file)).problems.join('\n'), /signed with key/);
    });
  });

  it('begin() resolves only once committed; a locked database fails begins, ends wait and are written later', async () => {
    const file = fresh();
    const sink = open(file);
    await calls(sink, ['before']);
    await sink.begin(begin('held'));
    const locker = new Database(file);
    locker.pragma('busy_timeout = 0');
    locker.prepare('BEGIN IMMEDIATE').run();
    try {
      sink.end({ ...begin('held'), outcome: 'ok' });
      await assert.rejects(sink.begin(begin('during')), /locked|busy/i);
    } finally {
      locker.prepare('ROLLBACK').run();
      locker.close();
    }
    await calls(sink, ['after']);
    await sink.close();
    const ids = [...readAuditRows(file)].filter((r) => r.kind === 'end').map((r) => r.requestId);
    assert.deepEqual(ids.sort(), ['after', 'before', 'held'], 'the end queued while locked was written after');
    assert.deepEqual(verify(file).problems, [], 'the refused begin left nothing behind');
  });
});

describe('audit gate', () => {
  const clock = new ManualClock();
  const failing: AuditSink = {
    begin: () => Promise.reject(new Error('disk full')),
    end: () => {},
    denial: () => {},
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
    dropped: 0,
  };

  it('fail-closed: the call is refused with GW_AUDIT_UNAVAILABLE and never goes further', async () => {
    const gate = createAuditGatePolicy({
      recorder: new AuditWriter(failing, { recordArguments: false, sensitiveArguments: [] }),
      onFailure: 'closed',
    });
    let reached = 0;
    await assert.rejects(
      gate.execute(makeCtx(clock), async () => {
        reached++;
        return {};
      }),
      (e: GatewayError) => e.code === 'GW_AUDIT_UNAVAILABLE' && e.upstreamFault === false,
    );
    assert.equal(reached, 0);
  });

  it('fail-open: the call proceeds and the loss is reported', async () => {
    const lost: unknown[] = [];
    const gate = createAuditGatePolicy({
      recorder: new AuditWriter(failing, { recordArguments: false, sensitiveArguments: [] }),
      onFailure: 'open',
      onLost: (e) => lost.push(e),
    });
    assert.deepEqual(await gate.execute(makeCtx(clock), async () => ({ ok: true })), { ok: true });
    assert.equal(lost.length, 1);
  });

  it('the writer records the digest, redacted arguments, the deciding rule and the outcome', async () => {
    const begins: AuditBegin[] = [];
    const ends: Record<string, unknown>[] = [];
    const sink: AuditSink = {
      ...failing,
      begin: async (r) => void begins.push(r),
      end: (r) => void ends.push(r as unknown as Record<string, unknown>),
    };
    const channels = createChannels();
    const writer = new AuditWriter(sink, { recordArguments: true, sensitiveArguments: ['password'] }, channels);
    const gate = createAuditGatePolicy({ recorder: writer, onFailure: 'closed' });
    const ctx = makeCtx(clock, {
      requestId: 'r-7',
      params: { name: 't', arguments: { user: 'bob', nested: { Password: 'pw-canary-123' } } },
    });
    await assert.rejects(
      gate.execute(ctx, async () => {
        channels.authorization.publish({
          requestId: 'r-7',
          principal: 'alice',
          method: 'tools/call',
          upstream: 'u',
          name: 't',
          allowed: false,
          rule: 'no-writes',
        });
        throw new GatewayError('GW_NOT_FOUND', 'Unknown tool: t');
      }),
    );
    assert.equal(begins.length, 1);
    assert.match(begins[0]!.argsDigest ?? '', /^[0-9a-f]{64}$/);
    assert.doesNotMatch(JSON.stringify([begins, ends]), /pw-canary-123/);
    assert.equal(ends[0]!.outcome, 'denied');
    assert.equal(ends[0]!.rule, 'no-writes');
    assert.equal(ends[0]!.decision, 'deny');
    assert.equal(ends[0]!.errorCode, 'GW_NOT_FOUND');
    writer.close();
  });
});
