import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';
import { systemClock, type Clock } from '../../core/index.js';
import { GatewayError } from '../../errors/index.js';

/** What the listener does about a caller that stops reading its response. */
export interface EdgeResponseOptions {
  /** Most bytes one response may hold queued (Node's buffer plus the socket's) before it is dropped. */
  readonly maxBufferBytes: number;
  /** Time an ended response with more than `maxBufferBytes` still queued gets to reach its caller. */
  readonly stallMs: number;
  /** Told once per dropped response, before it is destroyed (for a throttled log line), with the limit it broke. */
  readonly onDrop: (res: ServerResponse, bufferedBytes: number, limit: DropLimit) => void;
  readonly clock?: Clock;
}

/** The setting a dropped response went past. */
export type DropLimit = 'server.limits.maxStreamBufferBytes' | 'server.timeouts.stallMs';

type WriteCallback = (error: Error | null | undefined) => void;

const dropped = new WeakMap<ServerResponse, GatewayError>();

/** Why `res` was dropped by the listener (a slow caller), if it was. */
export function dropReason(res: ServerResponse): GatewayError | undefined {
  return dropped.get(res);
}

/**
 * The listener's response class, so these rules hold for every response whoever writes it (POST SSE,
 * the legacy GET stream, subscriptions/listen, any endpoint added later):
 * - backpressure: a caller that stops reading cannot grow the gateway. A write that finds more than
 *   `maxBufferBytes` already queued destroys the response instead (its call sees the stream close and
 *   is cancelled), so a response never holds more than the bound plus one message;
 * - stall: that one message may be the final answer (up to an upstream's message limit), written by
 *   `end()`, where no later write would notice the caller is not reading. An ended response with more
 *   than `maxBufferBytes` still queued must finish within `stallMs`, or it is destroyed with its socket;
 * - a response that starts before the request body was read (413, 403, 406, …) closes the connection,
 *   so the unread rest of the body is neither drained nor allowed to hold the socket.
 * Design: docs/adr/0005-slow-callers-and-admission.md.
 */
export function edgeResponseClass(options: EdgeResponseOptions): typeof ServerResponse<IncomingMessage> {
  const { maxBufferBytes, stallMs, onDrop } = options;
  const clock = options.clock ?? systemClock;
  return class EdgeResponse extends ServerResponse<IncomingMessage> {
    override write(chunk: unknown, encodingOrCallback?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean {
      const buffered = this.writableLength;
      if (buffered > maxBufferBytes || dropped.has(this)) {
        const cb = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
        if (!dropped.has(this)) this.#drop(buffered, 'server.limits.maxStreamBufferBytes', { limitBytes: maxBufferBytes });
        if (cb) process.nextTick(cb, dropped.get(this));
        return false;
      }
      if (typeof encodingOrCallback === 'function') return super.write(chunk, encodingOrCallback);
      return encodingOrCallback === undefined ? super.write(chunk, callback) : super.write(chunk, encodingOrCallback, callback);
    }

    override end(...args: unknown[]): this {
      (super.end as (...a: unknown[]) => this).apply(this, args);
      if (!this.writableFinished && !this.destroyed && this.writableLength > maxBufferBytes) this.#watchStall();
      return this;
    }

    override writeHead(
      statusCode: number,
      reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
      headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
    ): this {
      // Node would otherwise read (and discard) the rest of the body to keep the connection alive.
      if (bodyUnread(this.req)) this.shouldKeepAlive = false;
      return typeof reasonOrHeaders === 'string' || reasonOrHeaders === undefined
        ? super.writeHead(statusCode, reasonOrHeaders, headers)
        : super.writeHead(statusCode, reasonOrHeaders);
    }

    #watchStall(): void {
      const timer = clock.setTimeout(() => {
        if (!this.writableFinished && !this.destroyed) this.#drop(this.writableLength, 'server.timeouts.stallMs', { limitMs: stallMs });
      }, stallMs);
      timer.unref?.();
      const clear = (): void => clock.clearTimeout(timer);
      this.once('finish', clear);
      this.once('close', clear);
    }

    #drop(buffered: number, limit: DropLimit, data: Record<string, number>): void {
      const message =
        limit === 'server.timeouts.stallMs'
          ? `The caller did not read the end of its response within ${stallMs} ms`
          : `The caller is not reading its stream: over ${maxBufferBytes} bytes queued`;
      dropped.set(this, new GatewayError('GW_LIMIT_EXCEEDED', message, { data: { limit, ...data, bufferedBytes: buffered } }));
      onDrop(this, buffered, limit);
      this.destroy();
    }
  };
}

function bodyUnread(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
