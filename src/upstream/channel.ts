import type { Era, JsonRpcMessage, RequestId } from '../protocol/index.js';

/** Per-message options for Channel.send. */
export interface SendOptions {
  /** The outgoing request this message is (HTTP correlates the POST's response stream to it). */
  readonly requestId?: RequestId;
  /** Ends the message's own exchange (HTTP: aborts the POST and closes its stream). */
  readonly signal?: AbortSignal;
  /** Handshake traffic passes the gate that holds other messages while a session is re-initialised. */
  readonly handshake?: boolean;
  /** Extra headers for this message's POST (modern Streamable HTTP); other channels ignore them. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A message the channel could not decode; `head`/`tail` are snippets used to find its id. */
export interface MalformedInfo {
  readonly reason: 'malformed' | 'oversized';
  readonly detail: string;
  /** The outgoing request whose stream carried it, when the channel knows. */
  readonly related?: RequestId;
  readonly head?: string;
  readonly tail?: string;
}

/** What a channel reports to its peer (set once with `setHandlers`). */
export interface ChannelHandlers {
  /** One decoded message, dispatched synchronously in arrival order. */
  message(message: unknown, related: RequestId | undefined): void;
  malformed(info: MalformedInfo): void;
  /** The channel is gone for good (child exit, stream end, close); `delivered` false: nothing ever reached the upstream. */
  close(reason: string, delivered?: boolean): void;
}

/** The wire facts a channel needs for its headers (HTTP). */
export interface WireState {
  readonly era: Era;
  /** Negotiated version; undefined before `initialize` returns. */
  readonly protocolVersion: string | undefined;
}

/**
 * A framed, bidirectional JSON-RPC byte pipe: stdio child, Streamable HTTP client or legacy SSE client.
 * It knows nothing of ids or pending requests; that is JsonRpcPeer's job.
 */
export interface Channel {
  /** True when messages arrive tagged with the request that caused them (HTTP POST streams). */
  readonly correlated: boolean;
  /** True when cancellation is closing the request's stream (modern HTTP) rather than notifications/cancelled. */
  readonly cancelByAbort: boolean;
  setHandlers(handlers: ChannelHandlers): void;
  /**
   * Sends one message. Resolves once the exchange is over (stdio: written; HTTP: the response stream
   * ended); rejects with a GatewayError that says whether the upstream may have seen it.
   */
  send(message: JsonRpcMessage, options?: SendOptions): Promise<void>;
  /** Wire era and version (HTTP headers); a no-op elsewhere. */
  setWire(wire: WireState): void;
  /** Called once the handshake completed (HTTP opens its GET stream). */
  handshakeDone(): void;
  /** Ends the channel and releases everything it holds (process tree, sockets, session). */
  close(): Promise<void>;
}

/**
 * Parses one framed message (a line, an SSE event's data, a JSON body) and hands it on; invalid JSON is
 * reported as malformed with its head and tail (where a serialiser puts the id) so it can be attributed.
 */
export function deliverJson(handlers: ChannelHandlers | undefined, text: string, related: RequestId | undefined): void {
  if (handlers === undefined || text.length === 0) return; // empty: an SSE priming event (id only)
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    const info = { reason: 'malformed' as const, detail: 'invalid JSON', head: text.slice(0, 256), tail: text.slice(-256) };
    handlers.malformed(related === undefined ? info : { ...info, related });
    return;
  }
  handlers.message(message, related);
}
