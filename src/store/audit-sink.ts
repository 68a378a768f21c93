/** How a call's final record says it ended (`interrupted`: the gateway stopped before it could tell). */
export type AuditOutcome = 'ok' | 'tool-error' | 'upstream-error' | 'gateway-error' | 'cancelled' | 'denied' | 'interrupted';

/** What is known when a call enters the pipeline: the write-ahead ("begin") record. */
export interface AuditBegin {
  /** Wall-clock ISO time. */
  readonly time: string;
  readonly requestId: string;
  readonly principal: string;
  readonly principalKind?: string;
  readonly client?: string;
  readonly session?: string;
  readonly era?: string;
  readonly method: string;
  readonly upstream: string;
  /** Client-visible tool, prompt or resource name. */
  readonly tool: string;
  /** SHA-256 (hex) of the arguments' canonical JSON. */
  readonly argsDigest?: string;
  /** The arguments with sensitive values replaced, when `audit.recordArguments` is on. */
  readonly args?: unknown;
}

/** The final record of a call: the begin fields plus how it ended. Exactly one per call. */
export interface AuditFinal extends AuditBegin {
  readonly outcome: AuditOutcome;
  readonly decision?: 'allow' | 'deny';
  /** The deciding authorization rule (or `default`), or the guard / limit that refused. */
  readonly rule?: string;
  readonly errorCode?: string;
  readonly latencyMs?: number;
  readonly attempts?: number;
}

/** A refusal before any call existed (authentication at the edge): a final record without a begin. */
export interface AuditDenial {
  readonly time: string;
  readonly principal?: string;
  readonly remoteAddress?: string;
  readonly method: string;
  readonly reason: string;
}

/**
 * The AuditSink port (ARCHITECTURE §2, ADR 0019): an append-only, hash-chained log. begin() resolves once
 * the record is durable (committed), so the caller may then go upstream; end() and denial() are batched.
 */
export interface AuditSink {
  begin(record: AuditBegin): Promise<void>;
  end(record: AuditFinal): void;
  denial(record: AuditDenial): void;
  /** Writes everything queued; resolves when committed. */
  flush(): Promise<void>;
  /** Flushes, writes a signed checkpoint and closes. */
  close(): Promise<void>;
  /** Records that could not be written (fail-open mode keeps going and counts them). */
  readonly dropped: number;
}
