import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../../errors/index.js';
import type { JsonRpcMessage } from '../../protocol/index.js';
import { SSE_HEADERS, type ResumableStream, type StreamRegistry } from './resumable-streams.js';

/** Where a legacy caller's SSE stream is made resumable (absent: plain SSE, no ids). */
export interface ReplayTarget {
  readonly registry: StreamRegistry;
  readonly session: string;
  /** The session's GET stream rather than a call's. */
  readonly standalone: boolean;
}

/**
 * The response to one POST. It stays plain JSON unless something must be sent before the final
 * response (progress, a log line, a server→client request), in which case it upgrades to an SSE
 * stream on the spot. Most calls thus cost one JSON write, and streaming costs nothing until used.
 * With a replay target the SSE stream is resumable (SEP-1699): a priming event first, an id on every
 * event, and the response may be closed (by the caller's network, or by `poll()`) while the call goes on.
 */
export class ResponseStream {
  #sse = false;
  #done = false;
  #stream: ResumableStream | undefined;
  #cancel: ((err: GatewayError) => void) | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
    private readonly canStream: boolean,
    private readonly preferStream: boolean,
    private readonly replay?: ReplayTarget,
  ) {}

  /** Sends an intermediate message; false when the stream cannot carry it (closed, or JSON-only caller). */
  write = (message: JsonRpcMessage): boolean => {
    if (this.#done || !this.canStream) return false;
    if (this.#stream !== undefined) return this.#stream.send(message);
    if (this.res.destroyed || this.res.writableEnded) return false;
    const stream = this.#sse ? undefined : this.#startSse();
    if (stream !== undefined) return stream.send(message);
    return this.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`) || !this.res.destroyed;
  };

  /** Sends the final message and ends the response (`extra`: headers of a non-200 JSON answer, e.g. 429's). */
  finish(message: JsonRpcMessage, status = 200, extra?: Record<string, string>): void {
    if (this.#done) return;
    if (this.#stream !== undefined) {
      this.#done = true;
      return this.#stream.finish(message);
    }
    // Ended elsewhere: answered at the drain deadline, or refused before it became a call.
    if (this.res.destroyed || this.res.writableEnded) return;
    this.#done = true;
    const body = JSON.stringify(message);
    if (this.#sse || (this.preferStream && this.canStream && status === 200)) {
      const stream = this.#sse ? undefined : this.#startSse();
      if (stream !== undefined) return stream.finish(message);
      this.res.end(`event: message\ndata: ${body}\n\n`);
      return;
    }
    this.res.writeHead(status, {
      ...this.headers,
      ...extra,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    this.res.end(body);
  }

  /** Opens the SSE stream now (long-lived streams such as subscriptions/listen and the GET stream). */
  open(): void {
    if (!this.#sse) this.#startSse();
  }

  /** Takes over `stream` after event `seq` (a GET with Last-Event-ID): its missed events first, then live. */
  resume(stream: ResumableStream, seq: number): void {
    this.#sse = true;
    this.res.writeHead(200, { ...this.headers, ...SSE_HEADERS });
    this.res.flushHeaders();
    this.#stream = stream;
    this.#link(stream);
    stream.attach(this.res, seq);
  }

  /** SSE polling: ends the response now (primed first) while the call goes on; the caller resumes with GET. */
  poll(): void {
    if (this.#done || this.replay === undefined || !this.canStream || this.res.destroyed || this.res.writableEnded) return;
    if (!this.#sse) this.#startSse();
    this.#stream?.poll();
  }

  /** How the call ends when nobody resumes its stream, or the drain deadline cuts a resumed response. */
  set cancel(fn: (err: GatewayError) => void) {
    this.#cancel = fn;
    if (this.#stream !== undefined) this.#link(this.#stream);
  }

  get streaming(): boolean {
    return this.#sse;
  }

  /** True while the caller may come back for this stream: its disconnect is then no cancellation. */
  get resumable(): boolean {
    return this.#stream !== undefined && !this.#done;
  }

  /** Sends the SSE head (and with a replay target, the priming event); returns the resumable stream, if any. */
  #startSse(): ResumableStream | undefined {
    this.#sse = true;
    this.res.writeHead(200, { ...this.headers, ...SSE_HEADERS });
    this.res.flushHeaders();
    const replay = this.replay;
    if (replay === undefined) return undefined;
    const stream = replay.registry.open(replay.session, this.res, replay.standalone);
    this.#stream = stream;
    this.#link(stream);
    return stream;
  }

  #link(stream: ResumableStream): void {
    if (this.#cancel !== undefined) stream.cancel = this.#cancel;
  }
}
