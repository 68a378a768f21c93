import type { Pool } from 'undici';
import type { Clock, Random, TimerHandle } from '../core/index.js';
import { backoffDelay } from './backoff.js';
import type { UpstreamLogger, ResolvedRestart } from './spec.js';
import { SseParser } from './sse-parser.js';

/** What the legacy GET stream needs from its channel. */
export interface GetStreamOptions {
  readonly name: string;
  readonly pool: Pool;
  readonly path: string;
  /** Current headers (session id and version change over the channel's life). */
  readonly headers: () => Record<string, string>;
  readonly maxMessageBytes: number;
  readonly log: UpstreamLogger;
  readonly clock: Clock;
  readonly random: Random;
  readonly backoff: ResolvedRestart;
  /** One SSE `message` event's data. */
  readonly deliver: (data: string) => void;
  /** The server no longer knows the session (404). */
  readonly expired: () => void;
}

/**
 * The legacy Streamable HTTP GET stream: server messages not tied to any request (list_changed,
 * unrelated logs and server→client requests). Reconnects with backoff and Last-Event-ID; a 405
 * means the server offers none, which is fine.
 */
export class GetStream {
  readonly #o: GetStreamOptions;
  readonly #stop = new AbortController();
  #timer: TimerHandle | undefined;
  #wake: (() => void) | undefined;
  #lastEventId: string | undefined;

  constructor(options: GetStreamOptions) {
    this.#o = options;
  }

  /** Runs the stream until stopped (never rejects). */
  start(): void {
    void this.#run();
  }

  /** Ends the stream and any pending reconnect. */
  stop(): void {
    this.#stop.abort();
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#wake?.();
  }

  async #run(): Promise<void> {
    const o = this.#o;
    const signal = this.#stop.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const headers: Record<string, string> = { ...o.headers(), accept: 'text/event-stream' };
        if (this.#lastEventId !== undefined) headers['last-event-id'] = this.#lastEventId;
        const res = await o.pool.request({ path: o.path, method: 'GET', headers, signal, headersTimeout: 0, bodyTimeout: 0 });
        if (res.statusCode === 405) {
          await res.body.dump();
          o.log.debug({ upstream: o.name }, 'upstream offers no GET stream (405)');
          return;
        }
        if (res.statusCode === 404) {
          await res.body.dump();
          o.expired();
          return;
        }
        if (res.statusCode !== 200 || !String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          await res.body.dump();
          throw new Error(`GET stream answered HTTP ${res.statusCode}`);
        }
        failures = 0;
        o.log.debug({ upstream: o.name }, 'GET stream open');
        const parser = new SseParser(o.maxMessageBytes, {
          event: (e) => {
            if (e.id !== undefined) this.#lastEventId = e.id;
            if (e.event === 'message') o.deliver(e.data);
          },
          oversized: (bytes) => o.log.warn({ upstream: o.name, bytes }, 'oversized message on the GET stream dropped'),
        });
        for await (const chunk of res.body as AsyncIterable<Buffer>) parser.push(chunk);
      } catch (err) {
        if (signal.aborted) return;
        o.log.debug({ upstream: o.name, err }, 'GET stream failed');
      }
      if (signal.aborted) return;
      await this.#sleep(backoffDelay(o.backoff, ++failures, o.random));
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = this.#o.clock.setTimeout(resolve, ms);
    });
  }
}
