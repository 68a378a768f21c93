import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Opens (creating when missing) one embedded store's SQLite file in WAL mode, readable by the owner only:
 * its folder 0700, the file 0600 (SQLite gives the -wal and -shm files the same mode). `:memory:` for tests.
 */
export function openDb(file: string, options: { readonly?: boolean } = {}): Database.Database {
  const onDisk = file !== ':memory:';
  if (!options.readonly && onDisk) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  if (!options.readonly) {
    if (onDisk) chmodSync(file, 0o600);
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a committed transaction survives a process crash (it is in the WAL file); only an
    // OS crash or power loss can lose the last ones. FULL would fsync per commit (milliseconds).
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('busy_timeout = 2000');
  return db;
}
