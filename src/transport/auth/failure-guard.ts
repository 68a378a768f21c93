import type { Clock } from '../../core/index.js';
import type { BlockRecord } from '../../store/key-store.js';

/** When repeated failures block a subject, and for how long. */
export interface FailureThreshold {
  /** Failures within `windowMs` that trigger a block. */
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly blockMs: number;
}

export interface FailureGuardOptions {
  readonly clock: Clock;
  readonly address: FailureThreshold;
  readonly credential: FailureThreshold;
  /** Subjects tracked at most (oldest forgotten first): a flood of addresses cannot grow memory without bound. */
  readonly maxTracked?: number;
  /** Called for each new block (persist it, publish it, log it). */
  readonly onBlock?: (block: BlockRecord) => void;
}

interface Window {
  start: number;
  count: number;
}

/**
 * Counts authentication failures per address and per credential in fixed windows and blocks a subject
 * that reaches its threshold, so guessing costs an attacker more than it costs us: a blocked subject is
 * refused before any verification work. Blocks are epoch-ms deadlines (they are persisted for the CLI);
 * `replaceBlocks` takes the store's view so `breakwater keys unblock` lifts one.
 */
export class FailureGuard {
  #windows = new Map<string, Window>();
  #blocks = new Map<string, number>();
  readonly #maxTracked: number;

  constructor(private readonly options: FailureGuardOptions) {
    this.#maxTracked = options.maxTracked ?? 100_000;
  }

  /** Milliseconds until `subject` is unblocked; 0 when it is not blocked. */
  blockedFor(subject: string): number {
    if (this.#blocks.size === 0) return 0;
    const until = this.#blocks.get(subject);
    if (until === undefined) return 0;
    const left = until - this.options.clock.wallNow();
    if (left > 0) return left;
    this.#blocks.delete(subject);
    return 0;
  }

  /** Counts one failure of `subject` (`address:…` or `credential:…`); blocks it at the threshold. */
  fail(subject: string, reason: string): void {
    const t = subject.startsWith('address:') ? this.options.address : this.options.credential;
    const now = this.options.clock.wallNow();
    let w = this.#windows.get(subject);
    if (w === undefined || now - w.start >= t.windowMs) {
      if (w === undefined && this.#windows.size >= this.#maxTracked) this.#windows.delete(this.#windows.keys().next().value!);
      w = { start: now, count: 0 };
      this.#windows.set(subject, w);
    }
    if (++w.count < t.maxFailures) return;
    this.#windows.delete(subject);
    const until = now + t.blockMs;
    this.#blocks.set(subject, until);
    this.options.onBlock?.({ subject, until, reason, createdAt: now });
  }

  /** Replaces the blocks in force with the store's (after another writer lifted or added one). */
  replaceBlocks(blocks: readonly BlockRecord[]): void {
    this.#blocks = new Map(blocks.map((b) => [b.subject, b.until]));
  }

  /** Lifts a block here (the store is updated by the caller). */
  unblock(subject: string): void {
    this.#blocks.delete(subject);
    this.#windows.delete(subject);
  }

  /** Subjects with a failure window open (diagnostics and tests). */
  get tracked(): number {
    return this.#windows.size;
  }
}
