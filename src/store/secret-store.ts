/** What `secrets list` shows of a secret: never its value. */
export interface SecretInfo {
  readonly name: string;
  /** Bumped on every `set`; part of the ciphertext's associated data. */
  readonly version: number;
  /** Id of the master key that wraps this secret's data key. */
  readonly keyId: string;
  readonly updatedAt: string;
}

/** What a master-key rotation did: data keys re-wrapped now, and those it could not reach. */
export interface RotationReport {
  readonly activeKeyId: string;
  readonly rewrapped: number;
  /** Secrets still wrapped by another key (their key is no longer in the keyring): names listed. */
  readonly stranded: readonly string[];
}

/**
 * The SecretStore port (ARCHITECTURE §2): named secrets encrypted at rest. Synchronous because config
 * loading is: a shared implementation (PostgreSQL) would prefetch. Values leave only through get().
 */
export interface SecretStore {
  /** The plaintext, or undefined when no such secret exists; throws DecryptError when it does not authenticate. */
  get(name: string): string | undefined;
  /** Creates or replaces a secret (a fresh data key every time). */
  set(name: string, value: string): SecretInfo;
  list(): SecretInfo[];
  /** True when the secret existed. */
  remove(name: string): boolean;
  /** Re-wraps every data key not under the active master key; idempotent and resumable, online. */
  rotate(): RotationReport;
  close(): void;
}

/** Secret names: safe in `${secret:NAME}`, CLI arguments and logs. */
export const SECRET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
