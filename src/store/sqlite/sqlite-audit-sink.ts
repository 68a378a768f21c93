import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import {
  checkpointMac,
  GENESIS,
  headMac,
  macKeyId,
  rowHash,
  type AuditRow,
  type Checkpoint,
  type Head,
  type RowKind,
} from '../audit/chain.js';
import type { AuditBegin, AuditDenial, AuditFinal, AuditSink } from '../audit-sink.js';
import { openDb } from './open-db.js';

/** Settings of the SQLite audit log. */
export interface SqliteAuditOptions {
  /** HMAC key of the checkpoints (from the secret store). */
  readonly key: Buffer;
  readonly checkpointEveryRecords: number;
  readonly checkpointEveryMs: number;
  /** Ends and denials held while the database cannot be written; beyond this they are dropped and counted. */
  readonly maxQueued?: number;
}

interface Queued {
  readonly kind: RowKind;
  readonly requestId: string | null;
  readonly record: object;
}

interface Batch {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, request_id TEXT, body TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL)`;

/** The head file beside the database: the latest checkpoint, signed (detects truncation below it). */
export const headFile = (dbFile: string): string => `${dbFile}.head`;

/**
 * The audit log in SQLite, WAL mode (ADR 0019). Records are chained by hash and written in batches, one
 * transaction per event-loop turn: begin() resolves when its batch commits (a committed WAL transaction
 * survives a process crash), end() and denial() ride along. At open, begins of the previous run without a
 * final record get an `interrupted` one, then a signed `start` checkpoint.
 */
export class SqliteAuditSink implements AuditSink {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #write: (rows: readonly AuditRow[]) => void;
  readonly #keyId: string;
  readonly #timer: NodeJS.Timeout;
  #seq = 0;
  #hash = GENESIS;
  #sinceCheckpoint = 0;
  #queue: Queued[] = [];
  #batch: Batch | undefined;
  #scheduled = false;
  #closed = false;
  #dropped = 0;

  constructor(
    readonly file: string,
    private readonly options: SqliteAuditOptions,
  ) {
    this.#db = openDb(file);
    this.#db.exec(SCHEMA);
    this.#insert = this.#db.prepare('INSERT INTO audit (seq, kind, request_id, body, prev, hash) VALUES (?, ?, ?, ?, ?, ?)');
    this.#write = this.#db.transaction((rows: readonly AuditRow[]) => {
      for (const r of rows) this.#insert.run(r.seq, r.kind, r.requestId, r.body, r.prev, r.hash);
    });
    this.#keyId = macKeyId(options.key);
    const last = this.#db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; hash: string } | undefined;
    if (last) {
      this.#seq = last.seq;
      this.#hash = last.hash;
    }
    this.#reconcile();
    // Seals a quiet log, and retries ends held back by a failed write.
    this.#timer = setInterval(() => {
      if (this.#queue.length > 0) this.#schedule();
      else if (this.#sinceCheckpoint > 0) this.#tryCheckpoint();
    }, options.checkpointEveryMs);
    this.#timer.unref();
  }

  get dropped(): number {
    return this.#dropped;
  }

  begin(record: AuditBegin): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('audit log closed'));
    this.#queue.push({ kind: 'begin', requestId: record.requestId, record });
    return this.#schedule().promise;
  }

  end(record: AuditFinal): void {
    this.#enqueue({ kind: 'end', requestId: record.requestId, record });
  }

  denial(record: AuditDenial): void {
    this.#enqueue({ kind: 'denial', requestId: null, record });
  }

  flush(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    const batch = this.#schedule();
    return batch.promise;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush().catch(() => {});
    this.#closed = true;
    clearInterval(this.#timer);
    try {
      this.#checkpointNow('stop');
    } finally {
      this.#db.close();
    }
  }

  #enqueue(item: Queued): void {
    if (this.#closed) {
      this.#dropped++;
      return;
    }
    this.#queue.push(item);
    this.#schedule();
  }

  #schedule(): Batch {
    if (!this.#batch) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Nobody may await a batch of ends only: an unobserved rejection must not crash the process.
      promise.catch(() => {});
      this.#batch = { promise, resolve, reject };
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flushNow());
    }
    return this.#batch;
  }

  /**
   * One transaction for everything queued this turn: its begins share one promise, so the batch is never
   * split (under load a batch holds about one row per call in flight).
   */
  #flushNow(): void {
    this.#scheduled = false;
    const batch = this.#batch;
    this.#batch = undefined;
    const items = this.#queue.splice(0);
    const rows: AuditRow[] = [];
    let seq = this.#seq;
    let prev = this.#hash;
    let since = this.#sinceCheckpoint;
    for (const item of items) {
      const body = JSON.stringify(item.record);
      const hash = rowHash(prev, ++seq, item.kind, body);
      rows.push({ seq, kind: item.kind, requestId: item.requestId, body, prev, hash });
      prev = hash;
      since++;
    }
    const sealed = since >= this.options.checkpointEveryRecords;
    if (sealed) prev = this.#pushCheckpoint(rows, ++seq, prev, 'periodic');
    try {
      this.#write(rows);
    } catch (err) {
      // Begins fail (the gate refuses or, fail-open, counts); ends and denials wait for the next write, bounded.
      const keep = items.filter((i) => i.kind !== 'begin');
      const room = Math.max(0, (this.options.maxQueued ?? 10_000) - this.#queue.length);
      this.#dropped += Math.max(0, keep.length - room) + (items.length - keep.length);
      this.#queue.unshift(...keep.slice(0, room));
      batch?.reject(err);
      return;
    }
    this.#seq = seq;
    this.#hash = prev;
    this.#sinceCheckpoint = sealed ? 0 : since;
    if (sealed) this.#writeHead(seq, prev);
    batch?.resolve();
  }

  #pushCheckpoint(rows: AuditRow[], seq: number, prev: string, reason: Checkpoint['reason']): string {
    const fields = { at: new Date().toISOString(), upTo: seq - 1, head: prev, reason, keyId: this.#keyId };
    const body = JSON.stringify({ ...fields, mac: checkpointMac(this.options.key, fields) });
    const kind: RowKind = reason === 'start' ? 'start' : 'checkpoint';
    const hash = rowHash(prev, seq, kind, body);
    rows.push({ seq, kind, requestId: null, body, prev, hash });
    return hash;
  }

  #tryCheckpoint(): void {
    try {
      this.#checkpointNow('periodic');
    } catch {
      // The database cannot be written now: the next turn of the timer tries again.
    }
  }

  #checkpointNow(reason: Checkpoint['reason'], extra: AuditRow[] = []): void {
    const rows = [...extra];
    const seq = this.#seq + rows.length + 1;
    const hash = this.#pushCheckpoint(rows, seq, rows.at(-1)?.hash ?? this.#hash, reason);
    this.#write(rows);
    this.#seq = seq;
    this.#hash = hash;
    this.#sinceCheckpoint = 0;
    this.#writeHead(seq, hash);
  }

  /** Atomic replace: a crash leaves the old head or the new one, never half of one. */
  #writeHead(seq: number, hash: string): void {
    const head: Head = { seq, hash, mac: headMac(this.options.key, seq, hash) };
    const file = headFile(this.file);
    writeFileSync(`${file}.tmp`, JSON.stringify(head), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  /** Closes the previous run: an `interrupted` final record for each begin without one, then `start`. */
  #reconcile(): void {
    const start = this.#db.prepare(`SELECT seq FROM audit WHERE kind = 'start' ORDER BY seq DESC LIMIT 1`).get() as
      { seq: number } | undefined;
    const rows = this.#db
      .prepare(`SELECT kind, request_id, body FROM audit WHERE seq > ? AND kind IN ('begin', 'end', 'interrupted') ORDER BY seq`)
      .all(start?.seq ?? 0) as Array<{ kind: RowKind; request_id: string; body: string }>;
    const open = new Map<string, string>();
    for (const r of rows)
      if (r.kind === 'begin') open.set(r.request_id, r.body);
      else open.delete(r.request_id);
    const extra: AuditRow[] = [];
    let prev = this.#hash;
    let seq = this.#seq;
    const at = new Date().toISOString();
    for (const [requestId, body] of open) {
      const record = JSON.stringify({ ...(JSON.parse(body) as object), outcome: 'interrupted', endTime: at });
      const hash = rowHash(prev, ++seq, 'interrupted', record);
      extra.push({ seq, kind: 'interrupted', requestId, body: record, prev, hash });
      prev = hash;
    }
    this.#checkpointNow('start', extra);
  }
}

/** Reads every row in order (for verify, tail, search, export), without loading them all at once. */
export function* readAuditRows(file: string, fromSeq = 0): Generator<AuditRow> {
  const db = openDb(file, { readonly: true });
  try {
    const stmt = db.prepare('SELECT seq, kind, request_id, body, prev, hash FROM audit WHERE seq > ? ORDER BY seq');
    for (const r of stmt.iterate(fromSeq) as IterableIterator<{
      seq: number;
      kind: RowKind;
      request_id: string | null;
      body: string;
      prev: string;
      hash: string;
    }>)
      yield { seq: r.seq, kind: r.kind, requestId: r.request_id, body: r.body, prev: r.prev, hash: r.hash };
  } finally {
    db.close();
  }
}

/** The last sequence number in the log (0 when empty). */
export function lastAuditSeq(file: string): number {
  const db = openDb(file, { readonly: true });
  try {
    return (db.prepare('SELECT max(seq) AS seq FROM audit').get() as { seq: number | null }).seq ?? 0;
  } finally {
    db.close();
  }
}

/** The signed head, or undefined when there is none (or it is unreadable). */
export function readHead(dbFile: string): Head | undefined {
  const file = headFile(dbFile);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Head;
  } catch {
    return undefined;
  }
}
