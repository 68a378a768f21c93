import type { Clock } from '../../core/index.js';

/** How much of one SSE stream is kept for callers that reconnect with Last-Event-ID. */
export interface ReplayLimits {
  /** Bytes of events kept per stream (the newest event is always kept, whatever its size). */
  readonly replayBytes: number;
  /** Events older than this are dropped. */
  readonly replayAgeMs: number;
}

interface Entry {
  readonly seq: number;
  readonly frame: string;
  readonly bytes: number;
  readonly at: number;
}

/**
 * The recent events of one SSE stream, numbered from 1 (0 is the priming event), bounded in bytes and
 * age. A caller that lost its connection gets back every event after the last one it saw, or nothing
 * at all when some of those were already dropped: a stream with a hole in it would be worse than none.
 */
export class ReplayBuffer {
  #entries: Entry[] = [];
  #bytes = 0;
  #seq = 0;

  constructor(
    private readonly limits: ReplayLimits,
    private readonly clock: Clock,
  ) {}

  /** The number the next event gets. */
  get nextSeq(): number {
    return this.#seq + 1;
  }

  /** Keeps one framed event (numbered `nextSeq`); returns its number. */
  push(frame: string): number {
    const seq = ++this.#seq;
    const bytes = Buffer.byteLength(frame);
    this.#entries.push({ seq, frame, bytes, at: this.clock.now() });
    this.#bytes += bytes;
    this.#trim();
    return seq;
  }

  /** The frames after event `seq`, in order; undefined when `seq` is unknown or events after it were dropped. */
  after(seq: number): string[] | undefined {
    this.#trim();
    if (!Number.isSafeInteger(seq) || seq < 0 || seq > this.#seq) return undefined;
    const first = this.#entries[0]?.seq ?? this.#seq + 1;
    if (seq + 1 < first) return undefined;
    return this.#entries.filter((e) => e.seq > seq).map((e) => e.frame);
  }

  /** Bytes held (for tests and diagnostics). */
  get bytes(): number {
    return this.#bytes;
  }

  #trim(): void {
    const oldest = this.clock.now() - this.limits.replayAgeMs;
    const entries = this.#entries;
    let drop = 0;
    while (entries.length - drop > 1) {
      const e = entries[drop]!;
      if (this.#bytes <= this.limits.replayBytes && e.at >= oldest) break;
      this.#bytes -= e.bytes;
      drop++;
    }
    if (drop > 0) this.#entries = entries.slice(drop);
  }
}
