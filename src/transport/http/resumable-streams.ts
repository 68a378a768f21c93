import type { ServerResponse } from 'node:http';
import { systemRandom, type Clock, type Random, type TimerHandle } from '../../core/index.js';
import { GatewayError } from '../../errors/index.js';
import type { JsonRpcMessage } from '../../protocol/index.js';
import { DRAIN_CUT_EVENT } from './call-controller.js';
import { ReplayBuffer, type ReplayLimits } from './replay-buffer.js';

/** `server.streams`: SSE resumability for legacy sessions (SEP-1699). */
export interface StreamSettings extends ReplayLimits {
  /** Close a call's stream on purpose after this long (SSE polling); 0: never. */
  readonly pollAfterMs: number;
  /** The reconnection delay sent as the SSE `retry` field. */
  readonly retryMs: number;
  /** `always`: answer every request of a resumable caller that accepts SSE with a primed SSE stream. */
  readonly sse: 'auto' | 'always';
}

/** First protocol revision whose clients expect priming events (empty data) and resume POST streams. */
export const RESUMABLE_SINCE = '2025-11-25';

/** The SSE response headers (the session id is the caller's to add). */
export const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' };

/**
 * One resumable SSE stream: a call's (POST) or a session's standalone (GET) stream. Every event has an id
 * `<streamId>:<seq>` and is kept in a bounded replay buffer; the response carrying it may go away
 * (the caller's network, or our own SSE polling close) and another, a GET with Last-Event-ID, take
 * over. A stream left without a response for `replayAgeMs` is dropped, and its call cancelled.
 */
export class ResumableStream {
  /** The call ends with this error (drain deadline on a resumed response, or nobody came back). */
  cancel: ((err: GatewayError) => void) | undefined;
  readonly #buffer: ReplayBuffer;
  #sink: ServerResponse | undefined;
  #done = false;
  #abandon: TimerHandle | undefined;
  #poll: TimerHandle | undefined;

  constructor(
    private readonly registry: StreamRegistry,
    readonly id: string,
    readonly session: string,
    readonly standalone: boolean,
  ) {
    this.#buffer = new ReplayBuffer(registry.settings, registry.clock);
  }

  /** True once the final message was sent (a call's stream). */
  get done(): boolean {
    return this.#done;
  }

  /** True when a resume after event `seq` can be served without a hole. */
  canResume(seq: number): boolean {
    return this.#buffer.after(seq) !== undefined;
  }

  /**
   * Makes `res` (SSE headers sent) this stream's response: replays the events after `seq`, then (unless
   * `primed`: the stream's first response, which got event 0) a priming event with the next id, then goes live.
   */
  attach(res: ServerResponse, seq: number, primed = false): void {
    const frames = this.#buffer.after(seq) ?? [];
    const previous = this.#sink;
    this.#sink = res;
    // A caller that reconnects while its old response still looks open: the new one wins.
    if (previous !== undefined && previous !== res) previous.end();
    this.#clear();
    for (const frame of frames) res.write(frame);
    if (this.#done) return this.#end(res);
    // SDK clients resume with the newest id seen on the stream that just closed, not on earlier ones: a
    // resumed response that carried no event (polled again before the answer) would leave the caller no
    // id, and its next GET would not find the call. So every resumed response starts with an id of its own.
    if (!primed) this.#push(`id: ${this.id}:${this.#buffer.nextSeq}\nretry: ${this.registry.settings.retryMs}\ndata: \n\n`);
    res.on('close', () => this.#detached(res));
    if (!this.standalone) res.once(DRAIN_CUT_EVENT, (err: GatewayError) => this.cancel?.(err));
    this.#schedulePoll();
  }

  /** Sends (and keeps) one message; false only once the stream is gone. */
  send(message: JsonRpcMessage): boolean {
    if (this.#done || !this.registry.has(this)) return false;
    this.#push(`id: ${this.id}:${this.#buffer.nextSeq}\nevent: message\ndata: ${JSON.stringify(message)}\n\n`);
    return true;
  }

  /** Sends the final message: the response ends, and the stream is kept only if nobody is there to get it. */
  finish(message: JsonRpcMessage): void {
    if (!this.send(message)) return;
    this.#done = true;
    if (this.#sink !== undefined) this.#end(this.#sink);
  }

  /** SSE polling: ends the live response on purpose; the caller reconnects after `retry` and resumes. */
  poll(): void {
    const sink = this.#sink;
    if (sink === undefined || this.#done) return;
    sink.end(`retry: ${this.registry.settings.retryMs}\n\n`);
  }

  /** Drops the stream now (its session ended, or the standalone stream was replaced). */
  drop(): void {
    this.#clear();
    this.registry.forget(this);
  }

  /** Keeps one framed event (numbered `nextSeq`) and writes it to the live response, if any. */
  #push(frame: string): void {
    this.#buffer.push(frame);
    const sink = this.#sink;
    if (sink !== undefined && !sink.destroyed && !sink.writableEnded) sink.write(frame);
  }

  #end(res: ServerResponse): void {
    this.#clear();
    res.end();
    this.#sink = undefined;
    this.registry.forget(this);
  }

  #detached(res: ServerResponse): void {
    if (this.#sink !== res) return;
    this.#sink = undefined;
    this.#clear();
    if (this.#done) return this.registry.forget(this);
    const { clock, settings } = this.registry;
    this.#abandon = clock.setTimeout(() => {
      this.#abandon = undefined;
      this.registry.forget(this);
      this.cancel?.(
        new GatewayError('GW_CANCELLED', `The caller left the stream and did not resume it within ${settings.replayAgeMs} ms`, {
          data: { limit: 'server.streams.replayAgeMs', limitMs: settings.replayAgeMs },
        }),
      );
    }, settings.replayAgeMs);
    this.#abandon.unref?.();
  }

  #schedulePoll(): void {
    const { pollAfterMs } = this.registry.settings;
    if (this.standalone || pollAfterMs <= 0) return;
    this.#poll = this.registry.clock.setTimeout(() => {
      this.#poll = undefined;
      this.poll();
    }, pollAfterMs);
    this.#poll.unref?.();
  }

  #clear(): void {
    const { clock } = this.registry;
    if (this.#abandon !== undefined) clock.clearTimeout(this.#abandon);
    if (this.#poll !== undefined) clock.clearTimeout(this.#poll);
    this.#abandon = this.#poll = undefined;
  }
}

/**
 * The resumable streams of one endpoint, by stream id. A stream id starts with a per-process random
 * epoch, so an id from before a restart never names a new stream; a stream answers only its own session.
 */
export class StreamRegistry {
  readonly #streams = new Map<string, ResumableStream>();
  readonly #epoch: string;
  #next = 0;

  constructor(
    readonly settings: StreamSettings,
    readonly clock: Clock,
    random: Random = systemRandom,
  ) {
    this.#epoch = Math.floor(random.next() * 36 ** 6)
      .toString(36)
      .padStart(6, '0');
  }

  /** True when callers of this protocol version get resumable streams. */
  resumable(protocolVersion: string): boolean {
    return this.settings.replayBytes > 0 && protocolVersion >= RESUMABLE_SINCE;
  }

  /** Opens a stream on `res` (SSE headers already sent) and sends its priming event. */
  open(session: string, res: ServerResponse, standalone: boolean): ResumableStream {
    const stream = new ResumableStream(this, `${this.#epoch}${(++this.#next).toString(36)}`, session, standalone);
    this.#streams.set(stream.id, stream);
    res.write(`id: ${stream.id}:0\nretry: ${this.settings.retryMs}\ndata: \n\n`);
    stream.attach(res, 0, true);
    return stream;
  }

  /** The stream and position a Last-Event-ID names, if it belongs to `session` and is still kept. */
  find(session: string, lastEventId: string): { stream: ResumableStream; seq: number } | undefined {
    const colon = lastEventId.lastIndexOf(':');
    if (colon <= 0) return undefined;
    const stream = this.#streams.get(lastEventId.slice(0, colon));
    const digits = lastEventId.slice(colon + 1);
    if (stream === undefined || stream.session !== session || !/^\d{1,15}$/.test(digits)) return undefined;
    return { stream, seq: Number(digits) };
  }

  /** Streams kept (live or waiting for their caller). */
  get size(): number {
    return this.#streams.size;
  }

  /** @internal */
  has(stream: ResumableStream): boolean {
    return this.#streams.get(stream.id) === stream;
  }

  /** @internal */
  forget(stream: ResumableStream): void {
    if (this.#streams.get(stream.id) === stream) this.#streams.delete(stream.id);
  }
}
