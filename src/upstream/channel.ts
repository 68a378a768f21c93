import { jsonDepthExceeds } from '../core/index.js';
import type { Era, JsonRpcMessage, RequestId } from '../protocol/index.js';
import { unserialisable } from './upstream-errors.js';

/** Characters kept from each end of an undecodable message (enough for the id; bounded whatever its size). */
const SNIPPET = 256;

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
  /** The message's JSON text when the sender already serialised it (the peer does, before it registers anything). */
  readonly body?: string;
  /** True once the request was answered or settled: HTTP resumes a stream that ended before it (SEP-1699). */
  readonly answered?: () => boolean;
}

/** A message the channel could not decode; `head`/`tail` are snippets used to find its id. */
export interface MalformedInfo {
  /** `too-deep`: nested deeper than the upstream's `maxJsonDepth`. */
  readonly reason: 'malformed' | 'oversized' | 'too-deep';
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
  /** An `application/json` body carried several messages, one per line (HTTP; counted, never refused). */
  ndjsonBody?(): void;
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
   * ended); rejects with a GatewayError that says whether the upstream may have seen it. Never throws
   * synchronously: a message it cannot serialise is a rejection (see `serialise`).
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
 * The JSON text of an outgoing message (`body` when already serialised). Throws a caller-side GatewayError
 * (never an upstream failure) when JSON.stringify fails: a value nested deep enough overflows its recursion.
 */
export function serialise(upstream: string, message: JsonRpcMessage, body?: string): string {
  if (body !== undefined) return body;
  try {
    return JSON.stringify(message);
  } catch (err) {
    throw unserialisable(upstream, err);
  }
}

/**
 * Parses one framed message (a line, an SSE event's data, a JSON body) and hands it on. This is where
 * upstream JSON enters: a message nested deeper than `maxDepth` is refused before JSON.parse builds it
 * (nothing downstream may walk it recursively), and it and invalid JSON are reported as malformed with
 * their head and tail (where a serialiser puts the id) so they can be attributed.
 */
export function deliverJson(handlers: ChannelHandlers | undefined, text: string, related: RequestId | undefined, maxDepth: number): void {
  if (handlers === undefined || text.length === 0) return; // empty: an SSE priming event (id only)
  if (jsonDepthExceeds(text, maxDepth) > 0) {
    const detail = `nested deeper than ${maxDepth} levels (maxJsonDepth)`;
    return handlers.malformed(snippets('too-deep', detail, text, related));
  }
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return handlers.malformed(snippets('malformed', 'invalid JSON', text, related));
  }
  handlers.message(message, related);
}

function snippets(reason: MalformedInfo['reason'], detail: string, text: string, related: RequestId | undefined): MalformedInfo {
  const info = { reason, detail, head: text.slice(0, SNIPPET), tail: text.slice(-SNIPPET) };
  return related === undefined ? info : { ...info, related };
}
