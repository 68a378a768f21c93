const SNIPPET = 256;

/** Callbacks of an NdjsonDecoder. */
export interface NdjsonSink {
  line(text: string): void;
  /** A line longer than the limit was discarded; head/tail snippets help attribute it. */
  oversized(bytes: number, head: string, tail: string): void;
}

/**
 * Newline-delimited framing with a hard size limit: a line over `maxBytes` is discarded as it streams
 * (memory stays bounded) and reported once its newline arrives. Lines are decoded as UTF-8 only when
 * complete, so multi-byte characters split across chunks survive.
 */
export class NdjsonDecoder {
  #parts: Buffer[] = [];
  #size = 0;
  #discarding = false;
  #head = '';
  #tail: Buffer = Buffer.alloc(0);

  constructor(
    private readonly maxBytes: number,
    private readonly sink: NdjsonSink,
  ) {}

  /** Feeds one chunk; complete lines are emitted synchronously in order. */
  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        this.#append(chunk, start, chunk.length);
        return;
      }
      this.#append(chunk, start, nl);
      this.#flush();
      start = nl + 1;
    }
  }

  #append(chunk: Buffer, start: number, end: number): void {
    const len = end - start;
    if (len === 0) return;
    const piece = chunk.subarray(start, end);
    if (!this.#discarding && this.#size + len > this.maxBytes) {
      this.#discarding = true;
      this.#head = Buffer.concat([...this.#parts, piece.subarray(0, SNIPPET)])
        .subarray(0, SNIPPET)
        .toString('utf8');
      this.#parts = [];
    }
    this.#size += len;
    if (!this.#discarding) {
      this.#parts.push(piece);
      return;
    }
    this.#tail = len >= SNIPPET ? piece.subarray(len - SNIPPET) : Buffer.concat([this.#tail, piece]).subarray(-SNIPPET);
  }

  #flush(): void {
    const size = this.#size;
    if (this.#discarding) {
      const head = this.#head;
      const tail = this.#tail.toString('utf8');
      this.#reset();
      this.sink.oversized(size, head, tail);
      return;
    }
    if (size === 0) return;
    const parts = this.#parts;
    let text = parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts, size).toString('utf8');
    this.#reset();
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    if (text.length > 0) this.sink.line(text);
  }

  #reset(): void {
    this.#parts = [];
    this.#size = 0;
    this.#discarding = false;
    this.#head = '';
    this.#tail = Buffer.alloc(0);
  }
}
