import type { Pool } from 'undici';
import { LogThrottle, type Clock, type Random, type TimerHandle } from '../core/index.js';
import { backoffDelay } from './backoff.js';
import { readText } from './http-common.js';
import { sessionGone } from './session-gone.js';
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
  /** Resolves once the channel has a session to open the stream on (re-initialising a lost one); rejects if it could not. */
  readonly session: () => Promise<void>;
  /** The server does not know `session` (404, or 400 naming the session): re-establish it; settles when done. */
  readonly expired: (session: string | undefined) => Promise<void>;
}

/**
 * A stream that stayed open this long proves the endpoint works (so does any event): only then does the
 * backoff start over. A stream the server closes at once is a failure like any other, or a server that
 * accepts and drops it would be reconnected to ~14 times a second forever.
 */
export const GET_STABLE_MS = 1_000;
/** Error bodies are read only to recognise a stale-session answer. */
const ERROR_BODY_MAX = 4 * 1024;

/** How one GET ended. */
type Outcome = 'unsupported' | 'renewed' | 'proven' | 'failed';

/**
 * The legacy Streamable HTTP GET stream: server messages not tied to any request (list_changed,
 * unrelated logs and server→client requests). One per channel, across session re-initialisations.
 * Reconnects with backoff (the restart policy) and Last-Event-ID, honouring the server's `retry`
 * hint; a 405 means the server offers none, which is fine; a stale session is re-established first,
 * and that re-initialisation loop backs off the same way.
 */
export class GetStream {
  readonly #o: GetStreamOptions;
  readonly #stop = new AbortController();
  readonly #logs: LogThrottle;
  #request: AbortController | undefined;
  #renewed = false;
  #timer: TimerHandle | undefined;
  #wake: (() => void) | undefined;
  /** The last event id seen and the session it belongs to: ids mean nothing to another session. */
  #lastEvent: { readonly id: string; readonly session: string | undefined } | undefined;
  #retryMs: number | undefined;
  #failures = 0;
  /** The last attempts failed to reach the server at all (refused, reset): it was down, not refusing us. */
  #outage = false;

  constructor(options: GetStreamOptions) {
    this.#o = options;
    this.#logs = new LogThrottle(options.clock, { burst: 5, perSecond: 1 / 30 });
  }

  /** Consecutive failed GETs (short-lived streams included) since the last one that proved itself. */
  get failures(): number {
    return this.#failures;
  }

  /** Runs the stream until stopped (never rejects). */
  start(): void {
    void this.#run();
  }

  /** Ends the stream and any pending reconnect. */
  stop(): void {
    this.#stop.abort();
    this.#request?.abort();
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#wake?.();
  }

  /** The session was replaced: drop a stream opened with the old id and reconnect without counting a failure. */
  renew(): void {
    if (this.#request === undefined) return;
    this.#renewed = true;
    this.#request.abort();
  }

  async #run(): Promise<void> {
    const o = this.#o;
    const stopped = this.#stop.signal;
    while (!stopped.aborted) {
      const outcome = await this.#once().catch((err: unknown): Outcome => {
        if (!stopped.aborted) this.#debug({ err }, 'GET stream failed');
        this.#outage = true;
        return 'failed';
      });
      if (stopped.aborted || outcome === 'unsupported') return;
      if (outcome === 'renewed') continue;
      if (outcome === 'proven') this.#outage = false;
      this.#failures = outcome === 'proven' ? 1 : this.#failures + 1;
      const delay = backoffDelay(o.backoff, this.#failures, o.random);
      await this.#sleep(Math.max(delay, Math.min(this.#retryMs ?? 0, o.backoff.maxDelayMs)));
    }
  }

  /** One GET, from waiting for a session to the end of the stream. */
  async #once(): Promise<Outcome> {
    const o = this.#o;
    await o.session();
    if (this.#stop.signal.aborted) return 'failed';
    const request = new AbortController();
    this.#request = request;
    this.#renewed = false;
    const headers: Record<string, string> = { ...o.headers(), accept: 'text/event-stream' };
    const session = headers['mcp-session-id'];
    if (this.#lastEvent !== undefined && this.#lastEvent.session === session) headers['last-event-id'] = this.#lastEvent.id;
    let opened: number | undefined;
    let events = 0;
    try {
      const res = await o.pool.request({ path: o.path, method: 'GET', headers, signal: request.signal, headersTimeout: 0, bodyTimeout: 0 });
      if (res.statusCode === 405) {
        await res.body.dump();
        o.log.debug({ upstream: o.name }, 'upstream offers no GET stream (405)');
        return 'unsupported';
      }
      if (res.statusCode !== 200 || !String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        const body = await readText(res.body, ERROR_BODY_MAX).catch(() => '');
        if (!sessionGone(res.statusCode, body)) throw new Error(`GET stream answered HTTP ${res.statusCode}`);
        // Back from an outage (a restarted server forgot us): the new session's stream opens at once. A
        // server that answers every GET this way keeps its backoff, so it cannot drive a re-initialise loop.
        const afterOutage = this.#outage;
        this.#outage = false;
        await o.expired(session);
        return afterOutage ? 'renewed' : 'failed';
      }
      opened = o.clock.now();
      this.#debug({}, 'GET stream open');
      const parser = new SseParser(o.maxMessageBytes, {
        event: (e) => {
          events++;
          if (e.event === 'message') o.deliver(e.data);
        },
        oversized: (bytes) => o.log.warn({ upstream: o.name, bytes }, 'oversized message on the GET stream dropped'),
        retry: (ms) => (this.#retryMs = ms),
      });
      // The id is read after each chunk: a priming event (an id and no data) dispatches no event.
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        parser.push(chunk);
        const id = parser.lastEventId;
        if (id !== undefined && (id !== this.#lastEvent?.id || this.#lastEvent.session !== session)) this.#lastEvent = { id, session };
      }
    } catch (err) {
      if (this.#stop.signal.aborted || (opened === undefined && !this.#renewed)) throw err;
      // A stream that broke after it opened is judged below like one the server ended.
      if (!this.#renewed) this.#debug({ err }, 'GET stream broke');
    } finally {
      this.#request = undefined;
    }
    if (this.#renewed) return 'renewed';
    return events > 0 || (opened !== undefined && o.clock.now() - opened >= GET_STABLE_MS) ? 'proven' : 'failed';
  }

  /** A debug line at most every so often: a broken stream must not log once per reconnect. */
  #debug(fields: object, msg: string): void {
    const suppressed = this.#logs.take();
    if (suppressed < 0) return;
    const o = this.#o;
    o.log.debug({ upstream: o.name, failures: this.#failures, ...fields, ...(suppressed > 0 && { suppressed }) }, msg);
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stop.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = this.#o.clock.setTimeout(resolve, ms);
    });
  }
}
