import { LogThrottle, type Clock, type LogThrottleLimits } from '../core/index.js';
import type { UpstreamLogger } from './spec.js';
import { stderrLevel, type StderrLevel } from './stderr-level.js';

const MAX_LINE = 4096;

/** Limits of the stderr forwarder: a token bucket of lines. */
export type StderrLimits = LogThrottleLimits;

/**
 * Forwards a child's stderr to the log line by line, rate-limited so a chatty child cannot flood the
 * gateway's log. Suppressed lines are never dropped silently: their count is logged when logging
 * resumes and at the end.
 */
export class StderrForwarder {
  #partial = '';
  #level: StderrLevel = 'info';
  readonly #throttle: LogThrottle;

  constructor(
    private readonly upstream: string,
    private readonly log: UpstreamLogger,
    clock: Clock,
    limits: StderrLimits = { burst: 100, perSecond: 50 },
  ) {
    this.#throttle = new LogThrottle(clock, limits);
  }

  /** Feeds a chunk of stderr. */
  push(chunk: Buffer | string): void {
    const text = this.#partial + chunk.toString();
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    if (this.#partial.length > MAX_LINE) {
      lines.push(this.#partial);
      this.#partial = '';
    }
    for (const line of lines) this.#emit(line);
  }

  /** Flushes a trailing partial line and the suppression count (child exited). */
  end(): void {
    if (this.#partial.length > 0) this.#emit(this.#partial);
    this.#partial = '';
    this.#report(this.#throttle.flush());
  }

  #emit(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0) return;
    // Classified before the rate limit, so a stack trace's frames keep its level even when some are dropped.
    const level = (this.#level = stderrLevel(line, this.#level));
    const suppressed = this.#throttle.take();
    if (suppressed < 0) return;
    this.#report(suppressed);
    this.log[level]({ upstream: this.upstream, stream: 'stderr' }, line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line);
  }

  #report(suppressed: number): void {
    if (suppressed === 0) return;
    this.log.warn({ upstream: this.upstream, stream: 'stderr', suppressed }, `${suppressed} stderr lines suppressed by the rate limit`);
  }
}
