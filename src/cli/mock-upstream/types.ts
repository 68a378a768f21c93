// The seams between the mock's JSON-RPC engine and its two transports.
import type { RequestId } from '../../protocol/index.js';

/** Extra HTTP framing for a final answer (ignored on stdio). */
export interface HttpHint {
  status: number;
  headers?: Record<string, string>;
}

/**
 * Where one request's output goes. Frames are serialised text, so a script can send bytes that are not
 * JSON at all. On HTTP an interim frame turns the answer into an SSE stream; otherwise it is plain JSON.
 */
export interface Outbound {
  /** A frame before the answer (progress, a stray or duplicate response). */
  interim(frame: string): void;
  /** The answer; ends the exchange. */
  final(frame: string, http?: HttpHint): void;
  /** Ends the exchange without an answer (the request was cancelled). */
  abandon(): void;
}

/** One peer's protocol state: a stdio connection, a legacy HTTP session, or one stateless modern request. */
export interface PeerSession {
  /** Running tool calls by request id, so `notifications/cancelled` can abort them. */
  readonly running: Map<RequestId, AbortController>;
}

/** A running transport, as the command's entry point drives it. */
export interface MockTransport {
  /** Sends a message tied to no request (list_changed) to every peer that can receive one. */
  broadcast(frame: string): void;
  /** Writes any batched output now (before a scripted crash). */
  flush(): void;
  /** Resolves with the exit code once the transport has stopped (stdin ended, or close()). */
  readonly done: Promise<number>;
  /** Stops serving, aborting running calls. */
  close(): void;
}
