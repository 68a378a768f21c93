import type { Clock, TimerHandle } from '../core/index.js';
import { errors, GatewayError } from '../errors/index.js';
import type { UpstreamLogger } from './spec.js';
import type { UpstreamConnection } from './types.js';

/** Construction options of an IsolatedPool. */
export interface IsolatedPoolOptions {
  /** The upstream's name (errors, logs). */
  readonly name: string;
  /** Most connections alive at once; a new caller beyond it is refused with GW_OVERLOADED. */
  readonly max: number;
  /** A connection with no request in flight for this long is closed (its caller gets a new one later). */
  readonly idleTimeoutMs: number;
  readonly clock: Clock;
  readonly log: UpstreamLogger;
  /** Builds (does not start) the connection of one caller; the first request starts it. */
  readonly create: (key: string) => UpstreamConnection;
  /** The config path of `max`, named in the GW_OVERLOADED refusal. */
  readonly limitPath?: string;
}

interface Entry {
  readonly connection: UpstreamConnection;
  /** Clock time of the last acquire, or of the last sweep that saw it busy. */
  lastUsed: number;
}

/** Least wait suggested to a refused caller: about one session-store sweep. */
const MIN_RETRY_AFTER_MS = 1000;

/**
 * One upstream connection per caller key (a session, a principal), bounded in number and idle time.
 * A full pool refuses a new caller rather than lend it another caller's connection: isolation is the
 * point, so sharing under pressure would be the one wrong answer.
 * Design: docs/adr/0004-per-caller-isolation.md.
 */
export class IsolatedPool {
  readonly #o: IsolatedPoolOptions;
  readonly #entries = new Map<string, Entry>();
  #sweeper: TimerHandle | undefined;
  #closed = false;
  /** Connections created over the pool's life (diagnostics, tests). */
  created = 0;

  constructor(options: IsolatedPoolOptions) {
    this.#o = options;
  }

  /** Live connections. */
  get size(): number {
    return this.#entries.size;
  }

  /** Requests in flight over every pooled connection (leak checks). */
  get inFlight(): number {
    let n = 0;
    for (const e of this.#entries.values()) n += e.connection.inFlight;
    return n;
  }

  /** The connection of `key`, if it has one now. */
  peek(key: string): UpstreamConnection | undefined {
    return this.#entries.get(key)?.connection;
  }

  /** The caller's own connection, created on its first call; GW_OVERLOADED when the pool is full. */
  acquire(key: string): UpstreamConnection {
    const now = this.#o.clock.now();
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      entry.lastUsed = now;
      return entry.connection;
    }
    if (this.#closed) throw errors.upstreamUnavailable(this.#o.name, 'the gateway is stopping', false);
    if (this.#entries.size >= this.#o.max) throw this.#overloaded(now);
    const connection = this.#o.create(key);
    this.#entries.set(key, { connection, lastUsed: now });
    this.created++;
    this.#schedule(this.#o.idleTimeoutMs);
    return connection;
  }

  /** Closes the connection of `key` (its session ended); its calls in flight fail as the upstream went away. */
  release(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return Promise.resolve();
    this.#entries.delete(key);
    if (this.#entries.size === 0) this.#unschedule();
    return entry.connection.close().catch((err: unknown) => {
      this.#o.log.warn(
        { upstream: this.#o.name, err: err instanceof Error ? err.message : String(err) },
        'isolated connection close failed',
      );
    });
  }

  /** Closes every connection and refuses new callers. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unschedule();
    await Promise.allSettled([...this.#entries.keys()].map((key) => this.release(key)));
  }

  /** Closes connections idle for idleTimeoutMs, and comes back when the next one would be. */
  #sweep(): void {
    this.#sweeper = undefined;
    const now = this.#o.clock.now();
    const idle = this.#o.idleTimeoutMs;
    let next = idle;
    for (const [key, entry] of this.#entries) {
      // A call longer than the idle timeout keeps its connection: idleness counts from when it was last seen busy.
      if (entry.connection.inFlight > 0) entry.lastUsed = now;
      const left = entry.lastUsed + idle - now;
      if (left <= 0) void this.release(key);
      else next = Math.min(next, left);
    }
    if (this.#entries.size > 0) this.#schedule(next);
  }

  #schedule(ms: number): void {
    if (this.#sweeper !== undefined || this.#closed) return;
    this.#sweeper = this.#o.clock.setTimeout(() => this.#sweep(), ms);
    this.#sweeper.unref?.();
  }

  #unschedule(): void {
    if (this.#sweeper !== undefined) this.#o.clock.clearTimeout(this.#sweeper);
    this.#sweeper = undefined;
  }

  /** The refusal: retry when the first idle connection would be closed (at least about a second). */
  #overloaded(now: number): GatewayError {
    let soonest = Infinity;
    for (const e of this.#entries.values())
      if (e.connection.inFlight === 0) soonest = Math.min(soonest, e.lastUsed + this.#o.idleTimeoutMs - now);
    const retryAfterMs = Math.max(MIN_RETRY_AFTER_MS, Number.isFinite(soonest) ? Math.ceil(soonest) : MIN_RETRY_AFTER_MS);
    const limit = this.#o.limitPath ?? `upstreams.${this.#o.name}.isolationPool.max`;
    return new GatewayError('GW_OVERLOADED', `Isolated connection pool of upstream ${this.#o.name} is full (${limit} = ${this.#o.max})`, {
      data: { upstream: this.#o.name, limit, max: this.#o.max, retryAfterMs },
    });
  }
}
