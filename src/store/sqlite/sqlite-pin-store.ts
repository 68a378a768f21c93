import { openDb } from './open-db.js';
import type { PinRecord, PinStore } from '../../policies/pinning/index.js';

/** The slice of better-sqlite3 this store uses (the package ships no types). */
interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Db {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(sql: string, options?: { simple: boolean }): unknown;
  close(): void;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS pins (
  upstream TEXT NOT NULL, tool TEXT NOT NULL,
  approved_hash TEXT, approved_body_hash TEXT, approved_text TEXT,
  pending_hash TEXT, pending_text TEXT, rejected_hash TEXT,
  findings TEXT NOT NULL DEFAULT '[]', renamed_from TEXT,
  first_seen INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (upstream, tool))`;

interface Row {
  upstream: string;
  tool: string;
  approved_hash: string | null;
  approved_body_hash: string | null;
  approved_text: string | null;
  pending_hash: string | null;
  pending_text: string | null;
  rejected_hash: string | null;
  findings: string;
  renamed_from: string | null;
  first_seen: number;
  updated_at: number;
}

/**
 * Pins in SQLite (WAL, file 0600 in a 0700 folder): they survive restarts, and `breakwater pins approve`
 * in another process is seen by a running gateway through `PRAGMA data_version`.
 */
export class SqlitePinStore implements PinStore {
  readonly #db: Db;
  readonly #get: Statement;
  readonly #all: Statement;
  readonly #byUpstream: Statement;
  readonly #put: Statement;

  constructor(file: string) {
    this.#db = openDb(file);
    this.#db.exec(SCHEMA);
    this.#get = this.#db.prepare('SELECT * FROM pins WHERE upstream = ? AND tool = ?');
    this.#all = this.#db.prepare('SELECT * FROM pins ORDER BY upstream, tool');
    this.#byUpstream = this.#db.prepare('SELECT * FROM pins WHERE upstream = ? ORDER BY tool');
    this.#put = this.#db.prepare(
      `INSERT OR REPLACE INTO pins VALUES (@upstream, @tool, @approved_hash, @approved_body_hash, @approved_text,
        @pending_hash, @pending_text, @rejected_hash, @findings, @renamed_from, @first_seen, @updated_at)`,
    );
  }

  async get(upstream: string, tool: string): Promise<PinRecord | undefined> {
    const row = this.#get.get(upstream, tool) as Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  async list(upstream?: string): Promise<PinRecord[]> {
    const rows = (upstream === undefined ? this.#all.all() : this.#byUpstream.all(upstream)) as Row[];
    return rows.map(fromRow);
  }

  async put(r: PinRecord): Promise<void> {
    this.#put.run({
      upstream: r.upstream,
      tool: r.tool,
      approved_hash: r.approvedHash,
      approved_body_hash: r.approvedBodyHash,
      approved_text: r.approvedText,
      pending_hash: r.pendingHash,
      pending_text: r.pendingText,
      rejected_hash: r.rejectedHash,
      findings: JSON.stringify(r.findings),
      renamed_from: r.renamedFrom,
      first_seen: Math.round(r.firstSeen),
      updated_at: Math.round(r.updatedAt),
    });
  }

  /** SQLite's data_version: changes when another connection (e.g. `breakwater pins approve`) commits. */
  async version(): Promise<number> {
    return this.#db.pragma('data_version', { simple: true }) as number;
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}

function fromRow(row: Row): PinRecord {
  let findings: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.findings);
    if (Array.isArray(parsed)) findings = parsed.filter((f): f is string => typeof f === 'string');
  } catch {
    // A hand-edited row: no findings rather than no pin.
  }
  return {
    upstream: row.upstream,
    tool: row.tool,
    approvedHash: row.approved_hash,
    approvedBodyHash: row.approved_body_hash,
    approvedText: row.approved_text,
    pendingHash: row.pending_hash,
    pendingText: row.pending_text,
    rejectedHash: row.rejected_hash,
    findings,
    renamedFrom: row.renamed_from,
    firstSeen: row.first_seen,
    updatedAt: row.updated_at,
  };
}
