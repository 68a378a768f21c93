import type { Era } from '../protocol/index.js';
import type { Principal } from '../pipeline/index.js';
import type { LegacySession, MessageWriter } from './legacy-session.js';

/** Everything the dispatcher knows about whoever sent one request; built by the transport. */
export interface CallerScope {
  readonly era: Era;
  readonly protocolVersion: string;
  /** Legacy: from initialize; modern: from this request's `_meta`. */
  readonly capabilities: Readonly<Record<string, unknown>>;
  readonly session: LegacySession | undefined;
  readonly principal: Principal;
  /** Writes to this request's own response stream (progress, logs, server→client requests). */
  readonly write: MessageWriter;
  /** Aborted when the caller goes away (stream closed) or cancels (`notifications/cancelled`). */
  readonly signal: AbortSignal;
  /** The controller behind `signal`: a legacy session aborts it on the caller's cancellation. */
  readonly controller: AbortController;
  /** Modern: `_meta` logLevel of this request; log messages are sent only when it is set. */
  readonly logLevel: string | undefined;
}

export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', kind: 'anonymous', roles: Object.freeze([]) as readonly string[] });
