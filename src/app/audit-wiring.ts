import { randomBytes } from 'node:crypto';
import { storagePath, type BreakwaterConfig, type SecretStoreLocation } from '../config/index.js';
import { LogThrottle, registerSecretValue, systemClock, type Logger } from '../core/index.js';
import { AuditWriter } from '../observability/audit/index.js';
import type { Channels } from '../observability/index.js';
import type { Policy } from '../pipeline/index.js';
import { createAuditGatePolicy } from '../policies/audit-gate/index.js';
import type { AuditSink } from '../store/audit-sink.js';
import type { SecretStore } from '../store/secret-store.js';
import { SqliteAuditSink } from '../store/sqlite/sqlite-audit-sink.js';
import { openSecretStore, secretLocation } from './secret-wiring.js';

/** The file name of the audit log under `storage.dir`. */
export const AUDIT_DB = 'audit.db';

/** A running audit: the gate for every pipeline, and how to stop it. */
export interface AuditSetup {
  readonly gate: Policy;
  readonly sink: AuditSink;
  close(): Promise<void>;
}

/**
 * The checkpoint HMAC key, kept in the secret store under `audit.checkpoint.keySecret`; created (32 random
 * bytes) the first time when `create` is set. Registered with the scrubber: it must never be logged.
 */
export function auditKey(location: SecretStoreLocation, name: string, create: boolean): Buffer | undefined {
  const store: SecretStore = openSecretStore(location);
  try {
    let hex = store.get(name);
    if (hex === undefined && create) {
      hex = randomBytes(32).toString('hex');
      store.set(name, hex);
    }
    if (hex === undefined) return undefined;
    registerSecretValue(hex);
    return Buffer.from(hex, 'hex');
  } finally {
    store.close();
  }
}

/**
 * Builds the audit (ADR 0019) when `audit.enabled`: the SQLite log in `storage.dir`/audit.db (start-up
 * reconciliation of the previous run happens as it opens), the writer listening to the channels, and the
 * gate policy placed first in every pipeline. Throws (the gateway does not start) when the log or the
 * checkpoint key cannot be opened: an audit that was asked for is never silently absent.
 */
export function createAudit(
  config: BreakwaterConfig,
  configFile: string,
  channels: Channels,
  log: Logger,
  sink?: AuditSink,
): AuditSetup | undefined {
  const audit = config.audit;
  if (!audit.enabled) return undefined;
  const store =
    sink ??
    new SqliteAuditSink(storagePath(config, configFile, AUDIT_DB), {
      key: auditKey(secretLocation(config, configFile), audit.checkpoint.keySecret, true)!,
      checkpointEveryRecords: audit.checkpoint.everyRecords,
      checkpointEveryMs: audit.checkpoint.everyMs,
    });
  const writer = new AuditWriter(store, { recordArguments: audit.recordArguments, sensitiveArguments: audit.sensitiveArguments }, channels);
  const throttle = new LogThrottle(systemClock, { burst: 5, perSecond: 0.2 });
  const gate = createAuditGatePolicy({
    recorder: writer,
    onFailure: audit.onFailure,
    onLost: (err) => {
      const dropped = throttle.take();
      if (dropped >= 0)
        log.error(
          { err: err instanceof Error ? err.message : String(err), alsoLost: dropped },
          'audit record lost (audit.onFailure: open): the call proceeded unrecorded',
        );
    },
  });
  return {
    gate,
    sink: store,
    close: async () => {
      writer.close();
      await store.close();
    },
  };
}
