import { jsonDepthExceeds } from '../core/index.js';

/** Bytes kept from each end of a skipped oversized line (enough to find its id). */
const SNIPPET = 256;
const NEWLINE = 0x0a;
const BLANK = /^\s*$/;

/** What a JsonBody hands on. */
export interface JsonBodySink {
  /** One message's text, to parse and hand on (deliverJson: depth limit, malformed reporting). */
  deliver(text: string): void;
  /** The first line, already parsed while the framing was decided (never parsed twice). */
  message(parsed: unknown): void;
  /**
   * A message over the size limit. `fatal`: the body is one message (or undecided) and must be
   * abandoned; otherwise one line of a newline-delimited body was skipped and the rest still flows.
   */
  oversized(detail: string, fatal: boolean, head?: string, tail?: string): void;
  /** The body turned out to carry several messages, one per line (said once per body). */
  ndjson(): void;
}

/**
 * Frames an `application/json` response body. The spec sends one message there, but servers in the
 * wild (the MCP conformance reference server among them) stream several, one per line, and may keep
 * the body open (a `subscriptions/listen` stream). So the first non-blank line decides: when it is a
 * complete JSON value the body is newline-delimited and every line is delivered as it arrives;
 * otherwise (pretty-printed JSON) the whole body is one message, delivered at its end. A compact body
 * without a newline, the usual case, is parsed exactly once at its end, as before.
 */
export class JsonBody {
  #mode: 'undecided' | 'lines' | 'whole' = 'undecided';
  #parts: Buffer[] = [];
  /** Bytes of the message being collected (a line, or the whole body). */
  #size = 0;
  #messages = 0;
  /** Lines mode: the current line exceeded the limit and is being skipped up to its newline. */
  #skipping = false;
  #head = '';
  #tail: Buffer = Buffer.alloc(0);
  #failed = false;

  constructor(
    private readonly maxBytes: number,
    private readonly maxDepth: number,
    private readonly sink: JsonBodySink,
  ) {}

  /** Feeds one chunk; complete lines are handed on synchronously, in order. */
  push(chunk: Buffer): void {
    if (this.#failed) return;
    let start = 0;
    while (this.#mode !== 'whole') {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) break;
      this.#append(chunk.subarray(start, nl));
      if (this.#failed) return;
      start = nl + 1;
      this.#lineEnd(chunk.subarray(nl, nl + 1));
    }
    if (start < chunk.length) this.#append(chunk.subarray(start));
  }

  /** The body ended: the last line (or the whole pretty-printed body) is delivered. */
  end(): void {
    if (this.#failed) return;
    if (this.#skipping) return this.#skipped();
    const text = this.#take();
    if (this.#mode === 'lines') return this.#line(text);
    // Undecided: one compact message without a trailing newline (deliverJson ignores an empty body).
    if (this.#mode === 'undecided' && BLANK.test(text)) return;
    this.sink.deliver(text);
  }

  #append(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.#skipping) {
      this.#tail = piece.length >= SNIPPET ? piece.subarray(-SNIPPET) : Buffer.concat([this.#tail, piece]).subarray(-SNIPPET);
      this.#size += piece.length;
      return;
    }
    this.#size += piece.length;
    this.#parts.push(piece);
    if (this.#size <= this.maxBytes) return;
    if (this.#mode !== 'lines') {
      this.#failed = true;
      this.#parts = [];
      return this.sink.oversized(`more than ${this.maxBytes} bytes`, true);
    }
    this.#skipping = true;
    this.#head = Buffer.concat(this.#parts).subarray(0, SNIPPET).toString('utf8');
    this.#tail = piece.subarray(-SNIPPET);
    this.#parts = [];
  }

  /** A newline (given as bytes, kept when the body turns out to be one pretty-printed message). */
  #lineEnd(newline: Buffer): void {
    if (this.#skipping) return this.#skipped();
    if (this.#mode === 'lines') return this.#line(this.#take());
    const parts = this.#parts;
    const size = this.#size;
    const text = this.#take();
    if (BLANK.test(text)) return;
    const parsed = firstLine(text, this.maxDepth);
    if (parsed === NOT_A_VALUE) {
      // Not a whole value on its own: pretty-printed JSON, one message delivered when the body ends.
      this.#mode = 'whole';
      this.#parts = [...parts, newline];
      this.#size = size + 1;
      return;
    }
    this.#mode = 'lines';
    this.#messages = 1;
    if (parsed === TOO_DEEP) this.sink.deliver(text);
    else this.sink.message(parsed);
  }

  #line(text: string): void {
    if (BLANK.test(text)) return;
    if (++this.#messages === 2) this.sink.ndjson();
    this.sink.deliver(text);
  }

  #skipped(): void {
    const size = this.#size;
    const head = this.#head;
    const tail = this.#tail.toString('utf8');
    this.#skipping = false;
    this.#size = 0;
    this.#head = '';
    this.#tail = Buffer.alloc(0);
    this.sink.oversized(`a line of ${size} bytes`, false, head, tail);
  }

  #take(): string {
    const parts = this.#parts;
    const text = parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts, this.#size).toString('utf8');
    this.#parts = [];
    this.#size = 0;
    return text;
  }
}

const NOT_A_VALUE = Symbol('not a value');
const TOO_DEEP = Symbol('too deep');

/** The first line parsed when it is a complete JSON value on its own; too deep is decided as a line. */
function firstLine(text: string, maxDepth: number): unknown {
  if (jsonDepthExceeds(text, maxDepth) > 0) return TOO_DEEP;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_A_VALUE;
  }
}
