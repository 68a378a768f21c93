import { onAbort, type Clock, type Emitter, type Random, type TimerHandle } from '../core/index.js';
import { RestartBudget } from './backoff.js';
import type { JsonRpcPeer } from './json-rpc-peer.js';
import type { ResolvedRestart, UpstreamLogger } from './spec.js';
import type { UpstreamEvents, UpstreamInfo, UpstreamState } from './types.js';
import { reasonText, unavailable } from './upstream-errors.js';

/** How a link ended. */
export interface LinkEnd {
  readonly reason: string;
  readonly code: number | null;
  readonly signal: string | null;
}

/** One live connection to the upstream after a successful handshake (one child life, one session). */
export interface Link {
  readonly peer: JsonRpcPeer;
  readonly info: UpstreamInfo;
  /** Resolves the moment the link stops working (pending requests have just failed). */
  readonly closed: Promise<string>;
  /** Resolves when the link is gone and its resources are released (process tree reaped). */
  readonly ended: Promise<LinkEnd>;
  close(): Promise<void>;
  /** The health check lost the upstream: state it may have lost (an HTTP session) is renewed before the next message. */
  suspect?(): void;
}

/** What a Supervisor needs. */
export interface SupervisorOptions {
  readonly name: string;
  /**
   * Network upstreams: while the last open failed, calls are refused at once (neverSent) instead of
   * waiting out a backoff of seconds; stdio children restart fast enough for calls to wait.
   */
  readonly failFastWhenUnreachable?: boolean;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: UpstreamLogger;
  readonly restart: ResolvedRestart;
  readonly events: Emitter<UpstreamEvents>;
  /** Opens and handshakes a new link; must release what it opened if it fails or `signal` aborts. */
  readonly open: (signal: AbortSignal) => Promise<Link>;
}

interface Waiter {
  resolve(link: Link): void;
  reject(err: unknown): void;
}

const MAX_COOL_DOWN_MS = 10 * 60_000;

/**
 * Keeps one upstream link alive: opens it, notices its end at once, restarts with backoff + jitter,
 * declares a crash loop ('down', then one probe restart per growing cool-down), and stops for good.
 */
export class Supervisor {
  readonly #o: SupervisorOptions;
  readonly #budget: RestartBudget;
  readonly #life = new AbortController();
  readonly #waiters = new Set<Waiter>();
  #state: UpstreamState = 'idle';
  #link: Link | undefined;
  #timer: TimerHandle | undefined;
  #opening: Promise<void> | undefined;
  #attemptWaiters: Waiter[] = [];
  #stopped: Promise<void> | undefined;
  /** Crash-loop cool-downs since the last healthy link: each waits twice as long as the one before. */
  #coolDowns = 0;
  #probing = false;
  /** Why the last open failed; cleared by the next successful one. */
  #unreachable: string | undefined;

  constructor(options: SupervisorOptions) {
    this.#o = options;
    this.#budget = new RestartBudget(options.restart, options.random);
  }

  get state(): UpstreamState {
    return this.#state;
  }

  /** The live link, only while ready (the hot path reads it without awaiting anything). */
  /** Why the last open failed, while no open has succeeded since: the upstream is unreachable now. */
  get unreachable(): string | undefined {
    return this.#unreachable;
  }

  get link(): Link | undefined {
    return this.#state === 'ready' ? this.#link : undefined;
  }

  /** Opens the link; resolves when ready, rejects with the next attempt's failure (restarts go on). */
  start(): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(unavailable(this.#o.name, 'closed', false));
    if (this.#state === 'ready') return Promise.resolve();
    const outcome = new Promise<void>((resolve, reject) => this.#attemptWaiters.push({ resolve: () => resolve(), reject }));
    if (this.#state === 'idle' || this.#state === 'down') {
      this.#budget.reset();
      this.#clearTimer();
      this.#unreachable = undefined; // an explicit start tries afresh: calls wait for this attempt
      this.#attempt('connecting');
    }
    return outcome;
  }

  /** The ready link; waits through a restart (bounded by `signal`), fails fast when down or closed. */
  waitReady(signal: AbortSignal): Promise<Link> {
    const link = this.link;
    if (link !== undefined) return Promise.resolve(link);
    if (this.#state === 'down' || this.#state === 'closed') return Promise.reject(unavailable(this.#o.name, this.#state, false));
    // Its last open failed: it is unreachable now, and a call (or a replica policy failing over) should
    // learn it at once rather than wait out its deadline through a long network backoff.
    if (this.#o.failFastWhenUnreachable === true && this.#unreachable !== undefined)
      return Promise.reject(unavailable(this.#o.name, `unreachable: ${this.#unreachable}`, false));
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#state === 'idle') this.start().catch(() => {});
    return new Promise<Link>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (l) => {
          dispose();
          resolve(l);
        },
        reject: (e) => {
          dispose();
          reject(e);
        },
      };
      const dispose = onAbort(signal, (reason) => {
        this.#waiters.delete(waiter);
        reject(reason);
      });
      this.#waiters.add(waiter);
    });
  }

  /** Stops for good: no restarts, waiters fail, the link closes (process tree reaped). */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#life.abort(new Error('closed'));
    this.#clearTimer();
    this.#setState('closed');
    this.#rejectAll(unavailable(this.#o.name, 'closed', false));
    const link = this.#link;
    this.#link = undefined;
    await this.#opening;
    if (link !== undefined) {
      await link.close();
      const end = await link.ended;
      this.#o.events.emit('exit', { code: end.code, signal: end.signal, restarts: this.#budget.recent });
    }
  }

  #attempt(state: 'connecting' | 'restarting'): void {
    this.#timer = undefined;
    this.#setState(state);
    this.#opening = this.#o.open(this.#life.signal).then(
      (link) => this.#opened(link),
      (err: unknown) => {
        if (this.#state === 'closed') return;
        this.#unreachable = reasonText(err);
        this.#settleAttempt(err);
        if (this.#o.failFastWhenUnreachable === true) {
          const refused = unavailable(this.#o.name, `unreachable: ${this.#unreachable}`, false, err);
          for (const w of [...this.#waiters]) w.reject(refused);
          this.#waiters.clear();
        }
        const before = this.#state;
        this.#failed(reasonText(err));
        // Still 'restarting': say so again, so watchers re-read `unreachable` (the connection reports 'down').
        if (this.#state === before) this.#o.events.emit('state', { state: this.#state, reason: this.#unreachable });
      },
    );
  }

  #opened(link: Link): void {
    if (this.#state === 'closed') {
      void link.close();
      return;
    }
    this.#link = link;
    this.#unreachable = undefined;
    this.#coolDowns = 0;
    this.#probing = false;
    this.#setState('ready');
    for (const w of [...this.#waiters]) w.resolve(link);
    this.#waiters.clear();
    this.#settleAttempt(undefined);
    void link.closed.then((reason) => this.#lost(link, reason));
  }

  /** The link broke: leave 'ready' at once; restart only after the old process tree is gone. */
  #lost(link: Link, reason: string): void {
    if (this.#link !== link || this.#state === 'closed') return;
    this.#link = undefined;
    this.#setState('restarting', reason);
    void link.ended.then((end) => {
      if (this.#state === 'closed') return;
      this.#o.log.warn({ upstream: this.#o.name, reason: end.reason, code: end.code, signal: end.signal }, 'upstream link ended');
      this.#o.events.emit('exit', { code: end.code, signal: end.signal, restarts: this.#budget.recent });
      this.#failed(end.reason);
    });
  }

  #failed(reason: string): void {
    const delay = this.#probing ? undefined : this.#budget.next(this.#o.clock.now());
    if (delay === undefined) {
      // A crash loop: 'down' (calls fail fast, the breaker opens), then one probe restart after a
      // cool-down that doubles each time (window, 2×window, … up to 10 min), so a fixed upstream comes
      // back by itself without a broken one being respawned in a tight loop.
      const coolDownMs = Math.min(this.#o.restart.windowMs * 2 ** this.#coolDowns++, MAX_COOL_DOWN_MS);
      this.#o.log.error({ upstream: this.#o.name, reason, coolDownMs }, 'upstream crash loop: down, probing again after a cool-down');
      this.#probing = false;
      this.#setState('down', reason);
      this.#rejectAll(unavailable(this.#o.name, `down (crash loop): ${reason}`, false));
      this.#timer = this.#o.clock.setTimeout(() => {
        if (this.#state !== 'down') return;
        this.#probing = true;
        this.#attempt('restarting');
      }, coolDownMs);
      this.#timer.unref?.();
      return;
    }
    this.#setState('restarting', reason);
    this.#timer = this.#o.clock.setTimeout(() => this.#attempt('restarting'), delay);
  }

  #settleAttempt(err: unknown): void {
    const waiters = this.#attemptWaiters;
    this.#attemptWaiters = [];
    for (const w of waiters) {
      if (err === undefined) w.resolve(this.#link!);
      else w.reject(err);
    }
  }

  #rejectAll(err: unknown): void {
    for (const w of [...this.#waiters]) w.reject(err);
    this.#waiters.clear();
    this.#settleAttempt(err);
  }

  #setState(state: UpstreamState, reason?: string): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#o.events.emit('state', reason === undefined ? { state } : { state, reason });
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
