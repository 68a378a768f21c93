import { StringDecoder } from 'node:string_decoder';

/** One server-sent event. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/** Callbacks of an SseParser. */
export interface SseSink {
  event(e: SseEvent): void;
  /** An event (or line) bigger than the limit was discarded. */
  oversized(bytes: number): void;
  /** The server asked for a reconnection delay. */
  retry?(ms: number): void;
}

/**
 * Incremental text/event-stream parser (WHATWG rules: CR, LF or CRLF line ends, comments, multi-line
 * data, `id`, `retry`), with a size limit per event so a hostile stream cannot grow memory unbounded.
 */
export class SseParser {
  readonly #decoder = new StringDecoder('utf8');
  #buf = '';
  #data: string[] = [];
  #dataLen = 0;
  #event = '';
  #id: string | undefined;
  #discarding = false;
  #skipLf = false;
  /** The last event id seen (for Last-Event-ID on reconnect). */
  lastEventId: string | undefined;

  constructor(
    private readonly maxEventBytes: number,
    private readonly sink: SseSink,
  ) {}

  /** Feeds one chunk; complete events are emitted synchronously in order. */
  push(chunk: Buffer): void {
    let buf = this.#buf + this.#decoder.write(chunk);
    // The previous chunk ended in CR: a LF opening this one belongs to that CRLF.
    if (this.#skipLf && buf.charCodeAt(0) === 10) buf = buf.slice(1);
    this.#skipLf = false;
    let start = 0;
    let lf = buf.indexOf('\n');
    let cr = buf.indexOf('\r');
    while (lf !== -1 || cr !== -1) {
      let i = lf === -1 || (cr !== -1 && cr < lf) ? cr : lf;
      this.#line(buf.slice(start, i));
      if (i === cr) {
        if (i + 1 === buf.length) this.#skipLf = true;
        else if (buf.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
      if (lf !== -1 && lf < start) lf = buf.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = buf.indexOf('\r', start);
    }
    this.#buf = start === 0 ? buf : buf.slice(start);
    if (this.#buf.length > this.maxEventBytes) {
      this.#buf = '';
      this.#overflow(this.maxEventBytes + 1);
    }
  }

  #line(line: string): void {
    if (line.length === 0) return this.#dispatch();
    if (line.charCodeAt(0) === 58) return; // ':' comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        if (this.#discarding) return;
        this.#dataLen += value.length + 1;
        if (this.#dataLen > this.maxEventBytes) return this.#overflow(this.#dataLen);
        this.#data.push(value);
        return;
      case 'event':
        this.#event = value;
        return;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        return;
      case 'retry':
        if (/^\d+$/.test(value)) this.sink.retry?.(Number(value));
        return;
    }
  }

  #overflow(bytes: number): void {
    if (!this.#discarding) this.sink.oversized(bytes);
    this.#discarding = true;
    this.#data = [];
  }

  #dispatch(): void {
    if (this.#id !== undefined) this.lastEventId = this.#id;
    const discarded = this.#discarding;
    const data = this.#data;
    const event = this.#event || 'message';
    const id = this.#id;
    this.#data = [];
    this.#dataLen = 0;
    this.#event = '';
    this.#discarding = false;
    if (discarded || data.length === 0) return;
    this.sink.event({ event, data: data.length === 1 ? data[0]! : data.join('\n'), id });
  }
}
