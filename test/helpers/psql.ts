// Runs SQL scripts through the psql client against the PostgreSQL on 127.0.0.1 (database test, trust auth).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

const ARGS = ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=0'];

/** Runs a script; resolves with stdout and stderr (errors in statements do not stop the script). */
export function psql(script: string, timeoutMs = 120_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('psql', ARGS, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as { killed?: boolean }).killed) reject(new Error(`psql timed out after ${timeoutMs} ms`));
      else resolve({ stdout, stderr });
    });
    child.stdin?.end(script);
  });
}

/** Creates the guard corpora's tables (idempotent). */
export function seedGuardSchema(): Promise<{ stdout: string; stderr: string }> {
  return psql(readFileSync(new URL('../fixtures/guards/sql-schema.sql', import.meta.url), 'utf8'));
}
