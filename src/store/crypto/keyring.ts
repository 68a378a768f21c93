import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/** One master key (key-encryption key) and its id: a fingerprint, so ids never need configuring. */
export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/** The master keys known now: the first is active (wraps new data keys); the rest only unwrap. */
export interface Keyring {
  readonly active: MasterKey;
  get(id: string): MasterKey | undefined;
  readonly ids: readonly string[];
}

/** Where master keys come from: an environment variable and/or a 0600 file (one key per line, first active). */
export interface KeySource {
  readonly env?: string | undefined;
  readonly file?: string | undefined;
}

/** A problem with the master key configuration; the message names the variable or file and the fix. */
export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

/** The key id of a master key: 16 hex digits of SHA-256 over a domain tag and the key (not reversible). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('breakwater-master-key\0').update(key).digest('hex').slice(0, 16);
}

/** Parses one key: 64 hex digits or base64(url) of exactly 32 bytes. */
function parseKey(text: string, where: string): Buffer {
  const t = text.trim();
  const b = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (b.length !== 32)
    throw new MasterKeyError(`${where}: expected a 32-byte key as 64 hex digits or base64 (make one with: openssl rand -base64 32)`);
  return b;
}

function fromFile(file: string): string[] {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    throw new MasterKeyError(`master key file ${file} cannot be read`);
  }
  // Group or other access would let other local users read every secret: refused, as ssh does for keys.
  if ((mode & 0o077) !== 0)
    throw new MasterKeyError(`master key file ${file} has mode ${(mode & 0o777).toString(8)}: run chmod 600 ${file}`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Reads the keyring now. Called per secret-store operation (they are rare: config load, CLI), so a key
 * added to the file or variable is seen without a restart: that is what makes rotation online.
 */
export function loadKeyring(source: KeySource, env: Readonly<Record<string, string | undefined>> = process.env): Keyring {
  const entries: Array<[string, string]> = [];
  if (source.env !== undefined) {
    const value = env[source.env];
    if (value !== undefined && value.trim() !== '')
      value
        .split(/[\s,]+/)
        .filter(Boolean)
        .forEach((k, i) => entries.push([k, `${source.env} (key ${i + 1})`]));
  }
  if (source.file !== undefined) fromFile(source.file).forEach((k, i) => entries.push([k, `${source.file} line ${i + 1}`]));
  if (entries.length === 0)
    throw new MasterKeyError(
      `no master key: set ${source.env ?? 'the variable named by secrets.masterKey.env'}${source.file ? ` or write ${source.file}` : ''} (openssl rand -base64 32)`,
    );
  const keys = entries.map(([text, where]) => {
    const key = parseKey(text, where);
    return { id: keyId(key), key };
  });
  const byId = new Map(keys.map((k) => [k.id, k]));
  return { active: keys[0]!, get: (id) => byId.get(id), ids: [...byId.keys()] };
}
