import { z } from 'zod';
import { auditSchema, type AuditConfig } from './audit-schema.js';
import { ConfigError } from './config-error.js';
import { interpolate, type Env, type SecretLookup } from './interpolate.js';
import { readSource } from './source.js';
import { secretsSchema, type SecretsConfig } from './secrets-schema.js';

/** What opening the secret store needs from a config that is not validated yet. */
export interface SecretStoreLocation {
  readonly file: string;
  readonly storageDir: string;
  readonly secrets: SecretsConfig;
  readonly env: Env;
}

/** Opens the secret store for `${secret:…}` (chosen by cli/ or app/: config never picks a store). */
export type SecretOpener = (where: SecretStoreLocation) => SecretLookup;

const early = z.object({
  storage: z.object({ dir: z.string().min(1).default('.breakwater') }).prefault({}),
  secrets: secretsSchema.prefault({}),
});

/** True when some string in the data holds a `${secret:…}` reference. */
export function hasSecretRefs(data: unknown): boolean {
  if (typeof data === 'string') return data.includes('${secret:');
  if (Array.isArray(data)) return data.some(hasSecretRefs);
  if (typeof data === 'object' && data !== null) return Object.values(data).some(hasSecretRefs);
  return false;
}

/**
 * The lookup for `${secret:…}`, opened lazily on the first reference: `storage` and `secrets` are read from
 * the env-interpolated data first (they cannot themselves use secrets). A store that cannot be opened
 * makes each reference a problem naming why; the full validation reports a malformed section.
 */
export function secretLookup(data: unknown, file: string, env: Env, opener: SecretOpener | undefined): SecretLookup | undefined {
  if (!opener) return undefined;
  let lookup: SecretLookup | undefined;
  return (name) => {
    if (!lookup) {
      const parsed = early.safeParse(typeof data === 'object' && data !== null ? data : {});
      if (!parsed.success) throw new Error('the storage or secrets section is invalid');
      lookup = opener({ file, storageDir: parsed.data.storage.dir, secrets: parsed.data.secrets, env });
    }
    return lookup(name);
  };
}

/**
 * The `storage`, `secrets` and `audit` sections of a config file, read leniently (only `${env:…}` applied,
 * the rest of the file unchecked): `secrets set` must work before the secrets a config refers to exist.
 */
export function readStoreSettings(file: string, env: Env): { location: SecretStoreLocation; audit: AuditConfig } {
  const raw = interpolate(readSource(file).data, env).value;
  const parsed = early.extend({ audit: auditSchema.prefault({}) }).safeParse(typeof raw === 'object' && raw !== null ? raw : {});
  if (!parsed.success)
    throw new ConfigError('invalid', [
      { file, path: 'storage / secrets / audit', message: 'invalid section (breakwater check-config lists the problems)' },
    ]);
  return { location: { file, storageDir: parsed.data.storage.dir, secrets: parsed.data.secrets, env }, audit: parsed.data.audit };
}
