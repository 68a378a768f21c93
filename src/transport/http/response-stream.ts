import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage } from '../../protocol/index.js';

/**
 * The response to one POST. It stays plain JSON unless something must be sent before the final
 * response (progress, a log line, a server→client request), in which case it upgrades to an SSE
 * stream on the spot. Most calls thus cost one JSON write, and streaming costs nothing until used.
 */
export class ResponseStream {
  #sse = false;
  #done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
    private readonly canStream: boolean,
    private readonly preferStream: boolean,
  ) {}

  /** Sends an intermediate message; false when the stream cannot carry it (closed, or JSON-only caller). */
  write = (message: JsonRpcMessage): boolean => {
    if (this.#done || this.res.destroyed || this.res.writableEnded || !this.canStream) return false;
    if (!this.#sse) this.#startSse();
    return this.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`) || !this.res.destroyed;
  };

  /** Sends the final message and ends the response. */
  finish(message: JsonRpcMessage, status = 200): void {
    // Ended elsewhere: answered at the drain deadline, or refused before it became a call.
    if (this.#done || this.res.destroyed || this.res.writableEnded) return;
    this.#done = true;
    const body = JSON.stringify(message);
    if (this.#sse || (this.preferStream && this.canStream && status === 200)) {
      if (!this.#sse) this.#startSse();
      this.res.end(`event: message\ndata: ${body}\n\n`);
      return;
    }
    this.res.writeHead(status, { ...this.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    this.res.end(body);
  }

  /** Opens the SSE stream now (long-lived streams such as subscriptions/listen). */
  open(): void {
    if (!this.#sse) this.#startSse();
  }

  get streaming(): boolean {
    return this.#sse;
  }

  #startSse(): void {
    this.#sse = true;
    this.res.writeHead(200, {
      ...this.headers,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    this.res.flushHeaders();
  }
}
