import { openDb } from './open-db.js';
import type { ApiKeyRecord, BlockRecord, KeyStore } from '../key-store.js';

/** The slice of better-sqlite3 this store uses (the package ships no types). */
interface Statement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Db {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(sql: string, options?: { simple: boolean }): unknown;
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_keys (
  hash TEXT PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL, roles TEXT NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER, revoked INTEGER NOT NULL DEFAULT 0, last_used_at INTEGER);
CREATE INDEX IF NOT EXISTS api_keys_id ON api_keys (id);
CREATE TABLE IF NOT EXISTS auth_blocks (
  subject TEXT PRIMARY KEY, until INTEGER NOT NULL, reason TEXT NOT NULL, created_at INTEGER NOT NULL);`;

interface KeyRow {
  hash: string;
  id: string;
  name: string;
  roles: string;
  created_at: number;
  expires_at: number | null;
  revoked: number;
  last_used_at: number | null;
}

/**
 * API keys (hashes only) and authentication blocks in SQLite (`keys.db` under storage.dir; WAL; file 0600
 * in a 0700 folder). The CLI and the serving gateway share the file: `version()` moves when the other
 * process commits (PRAGMA data_version), and the gateway then drops its caches.
 */
export class SqliteKeyStore implements KeyStore {
  readonly #db: Db;
  readonly #byHash: Statement;
  readonly #dataVersion: Statement;
  #ownWrites = 0;

  constructor(file: string) {
    this.#db = openDb(file);
    this.#db.exec(SCHEMA);
    this.#byHash = this.#db.prepare('SELECT * FROM api_keys WHERE hash = ?');
    this.#dataVersion = this.#db.prepare('PRAGMA data_version');
  }

  add(r: ApiKeyRecord): void {
    this.#db
      .prepare(
        'INSERT INTO api_keys (hash, id, name, roles, created_at, expires_at, revoked, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(r.hash, r.id, r.name, JSON.stringify(r.roles), r.createdAt, r.expiresAt ?? null, r.revoked ? 1 : 0, r.lastUsedAt ?? null);
    this.#ownWrites++;
  }

  byHash(hash: string): ApiKeyRecord | undefined {
    const row = this.#byHash.get(hash) as KeyRow | undefined;
    return row && fromRow(row);
  }

  list(): ApiKeyRecord[] {
    return (this.#db.prepare('SELECT * FROM api_keys ORDER BY created_at DESC, id').all() as KeyRow[]).map(fromRow);
  }

  find(idOrName: string): ApiKeyRecord | undefined {
    const row = (this.#db.prepare('SELECT * FROM api_keys WHERE id = ?').get(idOrName) ??
      this.#db.prepare('SELECT * FROM api_keys WHERE name = ? AND revoked = 0 ORDER BY created_at DESC').get(idOrName)) as
      KeyRow | undefined;
    return row && fromRow(row);
  }

  revoke(id: string, expiresAt?: number): boolean {
    const result =
      expiresAt === undefined
        ? this.#db.prepare('UPDATE api_keys SET revoked = 1 WHERE id = ?').run(id)
        : this.#db.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?').run(expiresAt, id);
    this.#ownWrites++;
    return result.changes > 0;
  }

  touch(used: ReadonlyMap<string, number>): void {
    const update = this.#db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
    this.#db.transaction(() => {
      for (const [id, at] of used) update.run(at, id);
    })();
  }

  blocks(now: number): BlockRecord[] {
    const rows = this.#db.prepare('SELECT * FROM auth_blocks WHERE until > ? ORDER BY until').all(now) as {
      subject: string;
      until: number;
      reason: string;
      created_at: number;
    }[];
    return rows.map((r) => ({ subject: r.subject, until: r.until, reason: r.reason, createdAt: r.created_at }));
  }

  block(b: BlockRecord): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO auth_blocks (subject, until, reason, created_at) VALUES (?, ?, ?, ?)')
      .run(b.subject, b.until, b.reason, b.createdAt);
  }

  unblock(subject: string): boolean {
    const changed = this.#db.prepare('DELETE FROM auth_blocks WHERE subject = ?').run(subject).changes > 0;
    this.#ownWrites++;
    return changed;
  }

  version(): number {
    return (this.#dataVersion.get() as { data_version: number }).data_version * 1_000_000 + this.#ownWrites;
  }

  close(): void {
    this.#db.close();
  }
}

function fromRow(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    hash: row.hash,
    roles: JSON.parse(row.roles) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at ?? undefined,
    revoked: row.revoked === 1,
    lastUsedAt: row.last_used_at ?? undefined,
  };
}
