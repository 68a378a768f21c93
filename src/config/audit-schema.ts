import { z } from 'zod';
import { bool, int, positiveMs, text } from './primitives.js';

// `audit`: the tamper-evident audit log (ADR 0019). Off by default so a laptop demo needs no master key;
// `breakwater doctor` flags it off (or fail-open) on a shared deployment.
export const auditSchema = z.strictObject({
  enabled: bool().default(false),
  // closed: calls are refused (GW_AUDIT_UNAVAILABLE) while the audit cannot be written; open: they proceed
  // and the loss is counted and logged.
  onFailure: z.enum(['closed', 'open']).default('closed'),
  // Store the call's arguments (with sensitive ones replaced) beside their SHA-256 digest.
  recordArguments: bool().default(false),
  // Argument names (any depth, case-insensitive) whose values never reach the audit or logs.
  sensitiveArguments: z
    .array(text())
    .default(['password', 'passwd', 'secret', 'token', 'apiKey', 'api_key', 'authorization', 'accessToken', 'refreshToken']),
  checkpoint: z
    .strictObject({
      // A signed checkpoint after this many records or this long, whichever comes first (and at stop).
      everyRecords: int(1).default(1000),
      everyMs: positiveMs().default(60_000),
      // The secret-store entry holding the HMAC key; created with a random key when missing.
      keySecret: text().default('audit-checkpoint-key'),
    })
    .prefault({}),
});

/** The `audit` section, validated. */
export type AuditConfig = z.output<typeof auditSchema>;
