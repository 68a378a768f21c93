import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { jsonDepthExceeds, onAbort } from '../core/index.js';
import type { RequestId } from '../protocol/index.js';
import type { MalformedInfo } from './channel.js';
import { answers, statusError, transportError } from './http-common.js';
import { JsonBody } from './json-body.js';
import { SseParser } from './sse-parser.js';
import type { ResumePoint } from './stream-resume.js';

const ERROR_BODY_MAX = 64 * 1024;

/** What one POST's exchange needs from its channel. */
export interface ExchangeSink {
  readonly upstream: string;
  readonly maxMessageBytes: number;
  /** Deepest nesting accepted in a message (the error-body path checks it here; `deliver` does elsewhere). */
  readonly maxJsonDepth: number;
  /** The request whose stream this is (every message on it is tagged with it). */
  readonly related: RequestId | undefined;
  readonly signal: AbortSignal | undefined;
  /**
   * True when this answer means our session expired and the request must be re-sent after re-initialising:
   * asked with the status alone when the response starts, and again with the body of an error response.
   */
  expired(status: number, body?: string): boolean;
  /** True when a 401 is the channel's to handle (it holds credentials): the body is discarded, `unauthorized` resolved. */
  readonly interceptUnauthorized?: boolean;
  session(id: string): void;
  deliver(text: string, related: RequestId | undefined): void;
  message(parsed: unknown, related: RequestId | undefined): void;
  malformed(info: MalformedInfo): void;
  /** A JSON body carried several messages, one per line (counted, see JsonBody). */
  ndjson?(): void;
}

type Mode = 'discard' | 'sse' | 'json' | 'error';

/** How a POST ended: `expired` (re-send after re-initialising), or an SSE stream to resume (SEP-1699). */
export interface ExchangeOutcome {
  readonly expired: boolean;
  /** The SSE stream ended (or broke) after giving event ids: the rest may be fetched with GET + Last-Event-ID. */
  readonly resume?: ResumePoint;
  /** HTTP 401 with credentials of ours: the upstream refused the request (it was not executed). */
  readonly unauthorized?: boolean;
}

/**
 * One POST on undici's low-level dispatch API: response bytes go straight to the SSE parser or a
 * buffer, with no Readable stream, no async iterator and no promise per chunk (the request() API costs
 * several of each per call). Resolves `expired` when the session must be re-initialised.
 */
export class PostExchange implements Dispatcher.DispatchHandler {
  readonly done: Promise<ExchangeOutcome>;
  #resolve!: (outcome: ExchangeOutcome) => void;
  #reject!: (err: unknown) => void;
  #mode: Mode = 'discard';
  #expired = false;
  #unauthorized = false;
  #oversized = false;
  #status = 0;
  #parts: Buffer[] = [];
  #size = 0;
  #parser: SseParser | undefined;
  #retryMs: number | undefined;
  #json: JsonBody | undefined;
  #offAbort: (() => void) | undefined;

  constructor(private readonly sink: ExchangeSink) {
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    const { signal } = this.sink;
    if (signal === undefined || this.#offAbort !== undefined) return;
    this.#offAbort = onAbort(signal, (reason) => controller.abort(reason instanceof Error ? reason : new Error(String(reason))));
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.#status = status;
    const sid = headers['mcp-session-id'];
    if (typeof sid === 'string') this.sink.session(sid);
    if (status === 401 && this.sink.interceptUnauthorized === true) this.#unauthorized = true;
    else if (this.sink.expired(status)) this.#expired = true;
    else if (status === 202 || status === 204) this.#mode = 'discard';
    else if (status < 200 || status >= 300) this.#mode = 'error';
    else if (String(headers['content-type'] ?? '').startsWith('text/event-stream')) {
      this.#mode = 'sse';
      const { sink } = this;
      this.#parser = new SseParser(sink.maxMessageBytes, {
        event: (e) => {
          if (e.event === 'message') sink.deliver(e.data, sink.related);
        },
        oversized: (bytes) => sink.malformed({ reason: 'oversized', detail: `SSE event of ${bytes} bytes`, ...this.#relatedField() }),
        retry: (ms) => (this.#retryMs = ms),
      });
    } else {
      // No early refusal by Content-Length: a newline-delimited body may carry many messages.
      this.#mode = 'json';
      const { sink } = this;
      this.#json = new JsonBody(sink.maxMessageBytes, sink.maxJsonDepth, {
        deliver: (text) => sink.deliver(text, sink.related),
        message: (parsed) => sink.message(parsed, sink.related),
        ndjson: () => sink.ndjson?.(),
        oversized: (detail, fatal, head, tail) => {
          if (fatal) return this.#tooBig(controller, detail);
          sink.malformed({ reason: 'oversized', detail, ...this.#relatedField(), ...(head !== undefined && { head, tail }) });
        },
      });
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#mode === 'sse') return this.#parser!.push(chunk);
    if (this.#mode === 'json') return this.#json!.push(chunk);
    if (this.#mode === 'discard') return;
    this.#size += chunk.length;
    if (this.#size > ERROR_BODY_MAX) return;
    this.#parts.push(chunk);
  }

  onResponseEnd(): void {
    this.#offAbort?.();
    try {
      if (this.#unauthorized) return this.#resolve({ expired: false, unauthorized: true });
      if (this.#mode === 'json') this.#json!.end();
      else if (this.#mode === 'error') {
        const text = this.#text();
        // A 400 that names a stale session (some SDK servers' answer to an unknown session id) may even
        // carry our request's id: it still means "re-initialise", not an error of this call.
        if (this.sink.expired(this.#status, text)) return this.#resolve({ expired: true });
        const parsed = tryParse(text, this.sink.maxJsonDepth);
        if (!answers(parsed, this.sink.related)) return this.#reject(statusError(this.sink.upstream, this.#status, text));
        this.sink.message(parsed, this.sink.related);
      }
      this.#resolve({ expired: this.#expired, ...this.#resumeField() });
    } catch (err) {
      this.#reject(err);
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#offAbort?.();
    // Our own abort of an oversized body is a reported protocol failure, not a transport error.
    if (this.#oversized) return this.#resolve({ expired: false });
    // A stream that broke after giving event ids is resumable like one the server ended (SEP-1699).
    const resume = this.sink.signal?.aborted ? {} : this.#resumeField();
    if (resume.resume !== undefined) return this.#resolve({ expired: false, ...resume });
    this.#reject(transportError(this.sink.upstream, err, this.sink.signal));
  }

  #tooBig(controller: Dispatcher.DispatchController, detail: string): void {
    this.#oversized = true;
    this.#parts = [];
    this.sink.malformed({ reason: 'oversized', detail, ...this.#relatedField() });
    controller.abort(new Error('upstream message too large'));
  }

  #text(): string {
    const parts = this.#parts;
    return parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts, this.#size).toString('utf8');
  }

  #resumeField(): { resume?: ResumePoint } {
    const lastEventId = this.#parser?.lastEventId;
    return lastEventId === undefined ? {} : { resume: { lastEventId, retryMs: this.#retryMs } };
  }

  #relatedField(): { related?: RequestId } {
    return this.sink.related === undefined ? {} : { related: this.sink.related };
  }
}

/** The JSON-RPC error an error status may carry; too deep or invalid counts as none (the status speaks). */
function tryParse(text: string, maxDepth: number): unknown {
  if (jsonDepthExceeds(text, maxDepth) > 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
