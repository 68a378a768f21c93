import { dirname, isAbsolute, resolve } from 'node:path';
import { storagePath, type BreakwaterConfig, type SecretOpener, type SecretStoreLocation } from '../config/index.js';
import { registerSecretValue } from '../core/index.js';
import { loadKeyring, type KeySource } from '../store/crypto/keyring.js';
import type { SecretStore } from '../store/secret-store.js';
import { SqliteSecretStore } from '../store/sqlite/sqlite-secret-store.js';

/** The file name of the secret store under `storage.dir`. */
export const SECRETS_DB = 'secrets.db';

/** Where the master keys come from; a relative key file is taken from the config file's folder. */
export function keySource(where: SecretStoreLocation): KeySource {
  const { env, file } = where.secrets.masterKey;
  const base = where.file.startsWith('<') ? process.cwd() : dirname(resolve(where.file));
  return { env, file: file === undefined ? undefined : isAbsolute(file) ? file : resolve(base, file) };
}

/** Opens the SQLite secret store a config names (ADR 0018); the keyring is re-read on every operation. */
export function openSecretStore(where: SecretStoreLocation): SecretStore {
  const file = storagePath({ storage: { dir: where.storageDir } } as BreakwaterConfig, where.file, SECRETS_DB);
  const source = keySource(where);
  return new SqliteSecretStore(file, () => loadKeyring(source, where.env));
}

/** The location of a validated config's secret store. */
export function secretLocation(config: BreakwaterConfig, file: string, env: SecretStoreLocation['env'] = process.env): SecretStoreLocation {
  return { file, storageDir: config.storage.dir, secrets: config.secrets, env };
}

/**
 * Resolves `${secret:NAME}` at config load: one short-lived store connection per reference (they are few),
 * and every value found is registered with the scrubber so it never reaches a log or an error.
 */
export const secretOpener: SecretOpener = (where) => (name) => {
  const store = openSecretStore(where);
  try {
    const value = store.get(name);
    if (value !== undefined) registerSecretValue(value);
    return value;
  } finally {
    store.close();
  }
};
