import type { HttpEndpointOptions } from './http-common.js';
import { Pool } from './undici-pool.js';
import type { JsonRpcMessage } from '../protocol/index.js';
import { type Channel, type ChannelHandlers, type SendOptions, deliverJson, serialise } from './channel.js';
import { readText, statusError, transportError } from './http-common.js';
import { SseParser } from './sse-parser.js';
import { protocolError, reasonText, unavailable } from './upstream-errors.js';

/**
 * How to reach a legacy HTTP+SSE (2024-11-05) upstream: `url` is the SSE stream; the server names the
 * POST endpoint in its first `endpoint` event.
 */
export type SseChannelOptions = HttpEndpointOptions;

/**
 * The deprecated HTTP+SSE transport: one long GET carries every server message (no correlation), and
 * each client message is a POST to the endpoint announced by the stream. The stream ending ends the
 * channel (the supervisor reconnects and re-initialises).
 */
export class SseChannel implements Channel {
  readonly correlated = false;
  readonly cancelByAbort = false;
  readonly #o: SseChannelOptions;
  readonly #pool: Pool;
  readonly #stream = new AbortController();
  readonly #postHeaders: Record<string, string>;
  #handlers: ChannelHandlers | undefined;
  #endpoint: string | undefined;
  #closedReason: string | undefined;
  #resolveEnded!: (reason: string) => void;
  /** Resolves with the reason once the stream is gone. */
  readonly ended: Promise<string>;

  constructor(options: SseChannelOptions) {
    this.#o = options;
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    this.#pool = new Pool(options.url.origin, { pipelining: 1, connections: options.maxConnections, keepAliveTimeout: 30_000 });
    this.#postHeaders = { ...options.headers, 'content-type': 'application/json' };
  }

  setHandlers(handlers: ChannelHandlers): void {
    this.#handlers = handlers;
  }

  setWire(): void {}

  handshakeDone(): void {}

  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.#closedReason !== undefined || this.#endpoint === undefined)
      throw unavailable(this.#o.name, this.#closedReason ?? 'not connected', false);
    const body = serialise(this.#o.name, message, options.body);
    let status: number;
    let text = '';
    try {
      const res = await this.#pool.request({
        path: this.#endpoint,
        method: 'POST',
        headers: this.#postHeaders,
        body,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      status = res.statusCode;
      if (status >= 200 && status < 300) await res.body.dump();
      else text = await readText(res.body, 64 * 1024).catch(() => '');
    } catch (err) {
      throw transportError(this.#o.name, err, undefined);
    }
    if (status < 200 || status >= 300) throw statusError(this.#o.name, status, text);
  }

  async close(): Promise<void> {
    this.#end('closed');
    await this.#pool.destroy();
  }

  /** Opens the stream and waits for the `endpoint` event (bounded by `signal`); closes itself on failure. */
  async connect(signal: AbortSignal): Promise<void> {
    try {
      await this.#connect(signal);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async #connect(signal: AbortSignal): Promise<void> {
    const o = this.#o;
    const stop = () => this.#stream.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    try {
      const res = await this.#pool
        .request({
          path: o.url.pathname + o.url.search,
          method: 'GET',
          headers: { ...o.headers, accept: 'text/event-stream' },
          signal: this.#stream.signal,
          headersTimeout: 0,
          bodyTimeout: 0,
        })
        .catch((err: unknown) => {
          throw transportError(o.name, err, signal);
        });
      if (res.statusCode !== 200) throw statusError(o.name, res.statusCode, await readText(res.body, 64 * 1024).catch(() => ''));
      await new Promise<void>((resolve, reject) => {
        const parser = new SseParser(o.maxMessageBytes, {
          event: (e) => {
            if (e.event === 'message') return this.#deliver(e.data);
            if (e.event !== 'endpoint') return;
            const url = new URL(e.data, o.url);
            if (url.origin !== o.url.origin) return reject(protocolError(o.name, `endpoint ${url.origin} is not the stream's origin`));
            this.#endpoint = url.pathname + url.search;
            resolve();
          },
          oversized: (bytes) => this.#handlers?.malformed({ reason: 'oversized', detail: `SSE event of ${bytes} bytes` }),
        });
        void (async () => {
          try {
            for await (const chunk of res.body as AsyncIterable<Buffer>) parser.push(chunk);
            this.#end('SSE stream ended');
          } catch (err) {
            this.#end(`SSE stream failed: ${reasonText(err)}`);
          }
          reject(signal.aborted ? signal.reason : unavailable(o.name, this.#closedReason ?? 'SSE stream ended', false));
        })();
      });
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  #deliver(text: string): void {
    deliverJson(this.#handlers, text, undefined, this.#o.maxJsonDepth);
  }

  #end(reason: string): void {
    if (this.#closedReason !== undefined) return;
    this.#closedReason = reason;
    this.#stream.abort();
    this.#handlers?.close(reason);
    this.#resolveEnded(reason);
  }
}
