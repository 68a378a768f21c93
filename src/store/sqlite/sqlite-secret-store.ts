import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { open, pack, seal, unpack, DecryptError } from '../crypto/aead.js';
import type { Keyring } from '../crypto/keyring.js';
import { SECRET_NAME, type RotationReport, type SecretInfo, type SecretStore } from '../secret-store.js';
import { openDb } from './open-db.js';

interface Row {
  name: string;
  version: number;
  kid: string;
  wrapped: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  updated_at: string;
}

// Associated data binds each ciphertext to its name and version (and the wrapped key to its master key),
// so rows or columns swapped between secrets fail to decrypt instead of yielding another secret's value.
const dataAad = (name: string, version: number) => `breakwater-secret|v1|${name}|${version}`;
const wrapAad = (name: string, version: number, kid: string) => `breakwater-dek|v1|${name}|${version}|${kid}`;

/**
 * Envelope encryption in SQLite (ADR 0018): each secret has its own random data key (AES-256-GCM), stored
 * wrapped by a master key named by its id. Rotation re-wraps data keys only: cheap, online, per row.
 */
export class SqliteSecretStore implements SecretStore {
  readonly #db: Database.Database;

  /** `keys` is asked on every operation, so a master key added while running is used at once. */
  constructor(
    file: string,
    private readonly keys: () => Keyring,
  ) {
    this.#db = openDb(file);
    this.#db.exec(`CREATE TABLE IF NOT EXISTS secrets (
      name TEXT PRIMARY KEY, version INTEGER NOT NULL, kid TEXT NOT NULL, wrapped BLOB NOT NULL,
      nonce BLOB NOT NULL, ciphertext BLOB NOT NULL, tag BLOB NOT NULL, updated_at TEXT NOT NULL)`);
  }

  get(name: string): string | undefined {
    const row = this.#db.prepare('SELECT * FROM secrets WHERE name = ?').get(name) as Row | undefined;
    if (!row) return undefined;
    const dek = this.#unwrap(row, this.keys());
    try {
      return open(dek, row, dataAad(row.name, row.version), `secret ${name}`).toString('utf8');
    } finally {
      dek.fill(0);
    }
  }

  set(name: string, value: string): SecretInfo {
    if (!SECRET_NAME.test(name))
      throw new Error(`invalid secret name "${name}": expected 1 to 128 of A-Z a-z 0-9 _ . - (not starting with . or -)`);
    const active = this.keys().active;
    const dek = randomBytes(32);
    try {
      const prev = this.#db.prepare('SELECT version FROM secrets WHERE name = ?').get(name) as { version: number } | undefined;
      const version = (prev?.version ?? 0) + 1;
      const data = seal(dek, Buffer.from(value, 'utf8'), dataAad(name, version));
      const wrapped = pack(seal(active.key, dek, wrapAad(name, version, active.id)));
      const updatedAt = new Date().toISOString();
      this.#db
        .prepare('INSERT OR REPLACE INTO secrets VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(name, version, active.id, wrapped, data.nonce, data.ciphertext, data.tag, updatedAt);
      return { name, version, keyId: active.id, updatedAt };
    } finally {
      dek.fill(0);
    }
  }

  list(): SecretInfo[] {
    const rows = this.#db.prepare('SELECT name, version, kid, updated_at FROM secrets ORDER BY name').all() as Row[];
    return rows.map((r) => ({ name: r.name, version: r.version, keyId: r.kid, updatedAt: r.updated_at }));
  }

  remove(name: string): boolean {
    return this.#db.prepare('DELETE FROM secrets WHERE name = ?').run(name).changes > 0;
  }

  rotate(): RotationReport {
    const ring = this.keys();
    const stale = this.#db.prepare('SELECT * FROM secrets WHERE kid <> ?').all(ring.active.id) as Row[];
    const update = this.#db.prepare('UPDATE secrets SET kid = ?, wrapped = ? WHERE name = ? AND version = ? AND kid = ?');
    let rewrapped = 0;
    const stranded: string[] = [];
    for (const row of stale) {
      if (!ring.get(row.kid)) {
        stranded.push(row.name);
        continue;
      }
      const dek = this.#unwrap(row, ring);
      try {
        const wrapped = pack(seal(ring.active.key, dek, wrapAad(row.name, row.version, ring.active.id)));
        // One row per statement: a rotation killed half-way leaves every row readable and resumes where it stopped.
        rewrapped += update.run(ring.active.id, wrapped, row.name, row.version, row.kid).changes;
      } finally {
        dek.fill(0);
      }
    }
    return { activeKeyId: ring.active.id, rewrapped, stranded };
  }

  close(): void {
    this.#db.close();
  }

  #unwrap(row: Row, ring: Keyring): Buffer {
    const kek = ring.get(row.kid);
    if (!kek) throw new DecryptError(`secret ${row.name} (its master key ${row.kid} is not in the keyring)`);
    return open(kek.key, unpack(row.wrapped, `secret ${row.name}`), wrapAad(row.name, row.version, row.kid), `secret ${row.name}`);
  }
}
