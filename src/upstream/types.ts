import type { Emitter } from '../core/index.js';
import type { Era, JsonRpcNotification, JsonRpcRequest, Params } from '../protocol/index.js';

/** What a server→client request handler returns: the caller's result object. */
export type ServerRequestHandler = (request: JsonRpcRequest, signal: AbortSignal) => Promise<Record<string, unknown>>;

/** Options for one upstream request. */
export interface UpstreamRequestOptions {
  /** Aborting sends the upstream a cancellation (stdio/legacy: notifications/cancelled; modern HTTP: closes the stream). */
  readonly signal: AbortSignal;
  /** Progress for this request; present ⇒ a progress token is sent upstream and mapped back. */
  readonly onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
  /** Other notifications related to this request (log messages on its stream, ...). */
  readonly onNotification?: (message: JsonRpcNotification) => void;
  /** Server→client requests related to this request (sampling, elicitation, roots). */
  readonly onRequest?: ServerRequestHandler;
  /**
   * Who the request is for (a legacy session id, or one modern call): on a channel without
   * correlation (stdio, legacy SSE) a server→client request or log is attributed to a call only when
   * every caller request in flight has the same owner (or it names the call by progress token).
   * Absent with handlers: the request is its own owner. Absent without handlers: gateway traffic,
   * which carries no caller data and never makes attribution doubtful.
   */
  readonly owner?: string;
  /** Extra `_meta` entries to send (modern envelope keys are added by the connection itself). */
  readonly meta?: Record<string, unknown>;
  /**
   * The caller's era: a dual-era upstream serves a legacy caller over its legacy link (see
   * `UpstreamConnection.eraFor`). Absent: the upstream's own (probed) era.
   */
  readonly era?: Era;
  /** Extra HTTP headers for this request's POST (modern Streamable HTTP only: SEP-2243 `Mcp-Param-*`); ignored elsewhere. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Facts learnt at the handshake. */
export interface UpstreamInfo {
  readonly era: Era;
  readonly protocolVersion: string;
  readonly serverInfo: { name: string; version: string; [k: string]: unknown };
  readonly capabilities: Record<string, unknown>;
  readonly instructions: string | undefined;
}

export type UpstreamState = 'idle' | 'connecting' | 'ready' | 'restarting' | 'down' | 'closed';

export interface UpstreamEvents extends Record<string, unknown> {
  /** Notifications not tied to a request: list_changed, resources/updated, unrelated log messages. */
  notification: JsonRpcNotification;
  state: { state: UpstreamState; reason?: string };
  /** A stdio child exited (crash or stop) — the supervisor reacts; breakers may listen. */
  exit: { code: number | null; signal: string | null; restarts: number };
  /**
   * Change subscriptions are (again) in place upstream: a modern `subscriptions/listen` stream was
   * acknowledged (`notifications` is the filter the server agreed to), or a legacy link replayed its
   * `resources/subscribe` requests after a restart / reconnect / session re-initialisation.
   */
  subscriptions: { via: 'listen' | 'subscribe'; uris: readonly string[]; notifications?: Record<string, unknown> };
}

/**
 * One upstream MCP server (one replica). Adapters: stdio (supervised child), Streamable HTTP (pooled
 * keep-alive client) and legacy HTTP+SSE. Requests are raw JSON-RPC: params pass verbatim, results
 * return verbatim, upstream errors reject with UpstreamRpcError (code/message/data unchanged), and
 * transport failures reject with GatewayError GW_UPSTREAM_UNAVAILABLE / GW_UPSTREAM_PROTOCOL at once.
 */
export interface UpstreamConnection {
  readonly name: string;
  readonly events: Emitter<UpstreamEvents>;
  readonly state: UpstreamState;
  /** Set once the first handshake succeeded. */
  readonly info: UpstreamInfo | undefined;
  /** Requests of the live link waiting for their responses (drain, leak checks). */
  readonly inFlight: number;
  /** The era a call from a caller of `callerEra` will be sent in (absent: always `info.era`). */
  eraFor?(callerEra: Era): Era | undefined;
  /** Connects and performs the handshake (era negotiated and cached); resolves when ready. */
  start(): Promise<void>;
  request(method: string, params: Params | undefined, options: UpstreamRequestOptions): Promise<Record<string, unknown>>;
  notify(method: string, params?: Params): Promise<void>;
  /**
   * Watches one resource for `notifications/resources/updated` (emitted as `notification`). Legacy:
   * `resources/subscribe`. Modern: the URI joins the `subscriptions/listen` filter and resolves once an
   * acknowledgement agrees to it. Kept across restarts, reconnects and session re-initialisation.
   * Rejects at once, keeping nothing, when it cannot be made now: not connected, no
   * `resources.subscribe` capability, refused, or a listen stream that failed or left the URI out.
   */
  subscribeResource(uri: string): Promise<void>;
  /** Stops watching one resource (legacy: `resources/unsubscribe`; modern: listen filter without it). */
  unsubscribeResource(uri: string): Promise<void>;
  /** Handler for server→client requests that arrive unrelated to any in-flight request. */
  setFallbackRequestHandler(handler: ServerRequestHandler | undefined): void;
  /** Stops for good: cancels in-flight requests, reaps the process tree / closes the session. */
  close(): Promise<void>;
}
