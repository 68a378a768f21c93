import { clip } from '../core/index.js';
import { GatewayError, UpstreamRpcError } from '../errors/index.js';
import type { JsonRpcMessage, JsonRpcResponse, Params, RequestId } from '../protocol/index.js';
import { isFailure } from '../protocol/index.js';

/** Writes one message to some stream of the caller; returns false when the stream is gone. */
export type MessageWriter = (message: JsonRpcMessage) => boolean;

/** What one session may hold (`server.sessions`); one frozen object shared by every session of a store. */
export interface SessionLimits {
  /** Bytes of the `initialize` request text, plus the bytes of every subscribed URI. */
  readonly maxStateBytes: number;
  readonly maxInFlight: number;
  readonly maxPendingClientRequests: number;
  readonly maxSubscriptions: number;
}

/** The defaults of `server.sessions` (also used where a store is built without them, as in unit tests). */
export const DEFAULT_SESSION_LIMITS: SessionLimits = Object.freeze({
  maxStateBytes: 16 * 1024,
  maxInFlight: 256,
  maxPendingClientRequests: 64,
  maxSubscriptions: 256,
});

/** Everything a new session starts with. */
export interface LegacySessionInit {
  readonly id: string;
  readonly protocolVersion: string;
  readonly capabilities: Record<string, unknown>;
  readonly clientInfo: Record<string, unknown> | undefined;
  /** Admission key: the principal when authenticated, else the remote address. */
  readonly client: string;
  /** Size of the `initialize` request text, counted against `maxStateBytes`. */
  readonly stateBytes: number;
  readonly limits: SessionLimits;
  readonly now: number;
}

interface PendingClientRequest {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: unknown) => void;
}

const NOOP = (): void => {};

/**
 * One legacy (2025-11-25 and earlier) caller session. Deliberately small: idle sessions are the bulk of a
 * gateway's memory, so maps are created only when first needed, and every map a caller can grow is
 * bounded by `limits`.
 */
export class LegacySession {
  readonly id: string;
  readonly protocolVersion: string;
  readonly capabilities: Readonly<Record<string, unknown>>;
  readonly clientInfo: Readonly<Record<string, unknown>> | undefined;
  readonly client: string;
  lastSeen: number;
  logLevel: string | undefined;
  /** The GET stream (or the stdio output), when open: list_changed and unrelated messages go there. */
  standalone: MessageWriter | undefined;
  /** True once the caller made a request after `initialize` or opened its GET stream (admission). */
  established = false;
  closed = false;
  readonly #limits: SessionLimits;
  #stateBytes: number;
  #endStream: (() => void) | undefined;
  #subscriptions: Set<string> | undefined;
  #inflight: Map<RequestId, AbortController> | undefined;
  #pending: Map<RequestId, PendingClientRequest> | undefined;
  #nextId = 0;

  constructor(init: LegacySessionInit) {
    this.id = init.id;
    this.protocolVersion = init.protocolVersion;
    this.capabilities = init.capabilities;
    this.clientInfo = init.clientInfo;
    this.client = init.client;
    this.#limits = init.limits;
    this.#stateBytes = init.stateBytes;
    this.lastSeen = init.now;
  }

  /**
   * Registers an in-flight caller request so `notifications/cancelled` can abort it. An id already in
   * flight with another controller is refused: accepting it would make the first call uncancellable.
   * Registering the same controller twice is a no-op (the layer and the dispatcher both track).
   */
  track(id: RequestId, controller: AbortController): () => void {
    const inflight = (this.#inflight ??= new Map());
    const existing = inflight.get(id);
    if (existing === controller) return NOOP;
    if (existing !== undefined)
      throw new GatewayError(
        'GW_INVALID_REQUEST',
        `Invalid Request: request id ${clip(JSON.stringify(id), 64)} is already in use in this session`,
      );
    if (inflight.size >= this.#limits.maxInFlight)
      throw new GatewayError(
        'GW_OVERLOADED',
        `Too many requests in flight in this session (server.sessions.maxInFlight = ${this.#limits.maxInFlight})`,
        {
          data: { limit: 'server.sessions.maxInFlight', max: this.#limits.maxInFlight, retryAfterMs: 100 },
        },
      );
    inflight.set(id, controller);
    return () => {
      if (inflight.get(id) === controller) inflight.delete(id);
    };
  }

  /** Aborts the caller request `id` (a `notifications/cancelled` from the caller). */
  cancel(id: RequestId, reason: string | undefined): boolean {
    const controller = this.#inflight?.get(id);
    if (!controller) return false;
    controller.abort(new GatewayError('GW_CANCELLED', reason ? `Cancelled by caller: ${reason}` : 'Cancelled by caller'));
    return true;
  }

  get busy(): boolean {
    return (this.#inflight?.size ?? 0) > 0;
  }

  /** Resource URIs this session subscribed to. */
  get subscriptions(): Set<string> | undefined {
    return this.#subscriptions;
  }

  /** Adds a subscription; false when already held. Bounded in count and (with the handshake) in bytes. */
  subscribe(uri: string): boolean {
    const subs = (this.#subscriptions ??= new Set());
    if (subs.has(uri)) return false;
    const { maxSubscriptions, maxStateBytes } = this.#limits;
    if (subs.size >= maxSubscriptions)
      throw new GatewayError(
        'GW_LIMIT_EXCEEDED',
        `Too many subscriptions in this session (server.sessions.maxSubscriptions = ${maxSubscriptions})`,
        {
          data: { limit: 'server.sessions.maxSubscriptions', max: maxSubscriptions },
        },
      );
    const bytes = Buffer.byteLength(uri);
    if (this.#stateBytes + bytes > maxStateBytes)
      throw new GatewayError('GW_LIMIT_EXCEEDED', `Session state would exceed ${maxStateBytes} bytes (server.sessions.maxStateBytes)`, {
        data: { limit: 'server.sessions.maxStateBytes', max: maxStateBytes },
      });
    this.#stateBytes += bytes;
    subs.add(uri);
    return true;
  }

  /** Removes a subscription; false when it was not held. */
  unsubscribe(uri: string): boolean {
    if (!this.#subscriptions?.delete(uri)) return false;
    this.#stateBytes -= Buffer.byteLength(uri);
    return true;
  }

  /** Attaches the caller's GET stream; `end` ends that response when the session closes. */
  attachStream(write: MessageWriter, end: () => void): void {
    this.standalone = write;
    this.#endStream = end;
  }

  /** Detaches `write` if it is still this session's stream. */
  detachStream(write: MessageWriter): void {
    if (this.standalone !== write) return;
    this.standalone = undefined;
    this.#endStream = undefined;
  }

  /** Sends a server→client request on `write` and resolves with the caller's result. */
  request(write: MessageWriter, method: string, params: Params | undefined, signal: AbortSignal): Promise<Record<string, unknown>> {
    const pending: Map<RequestId, PendingClientRequest> = (this.#pending ??= new Map());
    const max = this.#limits.maxPendingClientRequests;
    if (pending.size >= max)
      return Promise.reject(
        new GatewayError('GW_OVERLOADED', `Too many requests awaiting this caller (server.sessions.maxPendingClientRequests = ${max})`, {
          data: { limit: 'server.sessions.maxPendingClientRequests', max, retryAfterMs: 1000 },
        }),
      );
    const id = `bw-${++this.#nextId}`;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        pending.delete(id);
        write({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'upstream cancelled' } });
        reject(signal.reason);
      };
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      // Each outcome removes the entry itself, so no path (a failed write included) leaves it behind.
      pending.set(id, {
        resolve: (r: Record<string, unknown>) => {
          pending.delete(id);
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e: unknown) => {
          pending.delete(id);
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      const message = params === undefined ? { jsonrpc: '2.0' as const, id, method } : { jsonrpc: '2.0' as const, id, method, params };
      if (!write(message)) pending.get(id)?.reject(new GatewayError('GW_UPSTREAM_UNAVAILABLE', 'The caller’s stream is closed'));
    });
  }

  /** Delivers a caller's response to a server→client request; false when nothing waited for it. */
  resolve(message: JsonRpcResponse): boolean {
    const pending = this.#pending?.get(message.id as RequestId);
    if (!pending) return false;
    // The caller's error goes back to the upstream verbatim, like any relayed error.
    if (isFailure(message)) pending.reject(new UpstreamRpcError(message.error));
    else pending.resolve(message.result);
    return true;
  }

  /** Ends the session: aborts its calls, fails its pending server→client requests and ends its GET stream. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.#inflight?.values() ?? []) c.abort(new GatewayError('GW_CANCELLED', 'Session closed'));
    for (const p of [...(this.#pending?.values() ?? [])]) p.reject(new GatewayError('GW_SESSION_NOT_FOUND', 'Session closed'));
    this.#inflight?.clear();
    this.#pending?.clear();
    const end = this.#endStream;
    this.standalone = undefined;
    this.#endStream = undefined;
    end?.();
  }
}
