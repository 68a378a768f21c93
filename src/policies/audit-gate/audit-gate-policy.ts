import { GatewayError } from '../../errors/index.js';
import type { CallContext, CallResult, Policy } from '../../pipeline/index.js';

/** One call's audit: its write-ahead record is durable when `durable` resolves; `end` writes the final one. */
export interface AuditHandle {
  readonly durable: Promise<void>;
  end(result: CallResult | undefined, err: unknown): void;
}

/** Where the gate records (the audit writer in observability/); the policy never sees the store. */
export interface AuditRecorder {
  begin(ctx: CallContext): AuditHandle;
}

export interface AuditGateOptions {
  readonly recorder: AuditRecorder;
  /** closed: refuse the call when its begin record cannot be written; open: go on and report the loss. */
  readonly onFailure: 'closed' | 'open';
  /** Told about each call that went on without a durable record (fail-open). */
  readonly onLost?: (err: unknown) => void;
}

/**
 * The audit gate (ADR 0019), first in every chain: a call goes further only once its "begin" record is
 * committed, so a call that reached an upstream always has a record that survives a crash; its final
 * record follows on every path out. Fail-closed by default: GW_AUDIT_UNAVAILABLE, nothing sent upstream.
 */
export function createAuditGatePolicy(options: AuditGateOptions): Policy {
  const { recorder, onFailure, onLost } = options;
  return {
    name: 'audit-gate',
    async execute(ctx, next) {
      const handle = recorder.begin(ctx);
      try {
        await handle.durable;
      } catch (err) {
        if (onFailure === 'closed')
          throw new GatewayError(
            'GW_AUDIT_UNAVAILABLE',
            'The audit log cannot be written; calls are refused until it can (audit.onFailure: closed)',
            {
              cause: err,
            },
          );
        // Fail-open: the call proceeds unrecorded (no final record either: it would have no begin).
        onLost?.(err);
        return next(ctx);
      }
      let result: CallResult;
      try {
        result = await next(ctx);
      } catch (err) {
        handle.end(undefined, err);
        throw err;
      }
      handle.end(result, undefined);
      return result;
    },
  };
}
