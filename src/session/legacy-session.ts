import { GatewayError, UpstreamRpcError } from '../errors/index.js';
import type { JsonRpcMessage, JsonRpcResponse, Params, RequestId } from '../protocol/index.js';
import { isFailure } from '../protocol/index.js';

/** Writes one message to some stream of the caller; returns false when the stream is gone. */
export type MessageWriter = (message: JsonRpcMessage) => boolean;

interface PendingClientRequest {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: unknown) => void;
}

/**
 * One legacy (2025-11-25 and earlier) caller session. Deliberately small: idle sessions are the bulk of a
 * gateway's memory, so maps are created only when first needed.
 */
export class LegacySession {
  readonly id: string;
  readonly protocolVersion: string;
  readonly capabilities: Readonly<Record<string, unknown>>;
  readonly clientInfo: Readonly<Record<string, unknown>> | undefined;
  lastSeen: number;
  logLevel: string | undefined;
  /** The GET stream, when the caller opened one: list_changed and unrelated messages go there. */
  standalone: MessageWriter | undefined;
  subscriptions: Set<string> | undefined;
  #inflight: Map<RequestId, AbortController> | undefined;
  #pending: Map<RequestId, PendingClientRequest> | undefined;
  #nextId = 0;
  closed = false;

  constructor(
    id: string,
    protocolVersion: string,
    capabilities: Record<string, unknown>,
    clientInfo: Record<string, unknown> | undefined,
    now: number,
  ) {
    this.id = id;
    this.protocolVersion = protocolVersion;
    this.capabilities = capabilities;
    this.clientInfo = clientInfo;
    this.lastSeen = now;
  }

  /** Registers an in-flight caller request so `notifications/cancelled` can abort it. */
  track(id: RequestId, controller: AbortController): () => void {
    (this.#inflight ??= new Map()).set(id, controller);
    return () => this.#inflight?.delete(id);
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

  /** Sends a server→client request on `write` and resolves with the caller's result. */
  request(write: MessageWriter, method: string, params: Params | undefined, signal: AbortSignal): Promise<Record<string, unknown>> {
    const id = `bw-${++this.#nextId}`;
    const pending: Map<RequestId, PendingClientRequest> = (this.#pending ??= new Map());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        pending.delete(id);
        write({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'upstream cancelled' } });
        reject(signal.reason);
      };
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      pending.set(id, {
        resolve: (r: Record<string, unknown>) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e: unknown) => {
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
    this.#pending!.delete(message.id as RequestId);
    // The caller's error goes back to the upstream verbatim, like any relayed error.
    if (isFailure(message)) pending.reject(new UpstreamRpcError(message.error));
    else pending.resolve(message.result);
    return true;
  }

  /** Ends the session: aborts its calls and fails its pending server→client requests. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.#inflight?.values() ?? []) c.abort(new GatewayError('GW_CANCELLED', 'Session closed'));
    for (const p of this.#pending?.values() ?? []) p.reject(new GatewayError('GW_SESSION_NOT_FOUND', 'Session closed'));
    this.#inflight?.clear();
    this.#pending?.clear();
    this.standalone = undefined;
  }
}
