import { Emitter, systemClock, systemRandom } from '../core/index.js';
import { GatewayError } from '../errors/index.js';
import { backoffCeiling, withJitter } from './backoff.js';
import type { BreakerStateStore } from './breaker-state-store.js';
import type { BreakerEvents, BreakerPermit, BreakerState, CircuitBreakerOptions } from './circuit-breaker-options.js';
import { BREAKER_DEFAULTS } from './circuit-breaker-options.js';
import type { AttemptOutcome } from './outcome.js';
import { withDefaults } from './options.js';
import { SlidingWindow } from './sliding-window.js';

/**
 * A failure breaker (closed → open → half-open) with a consecutive-failure trigger and failure-rate and
 * slow-call-rate triggers over a time-based sliding window with a minimum call count. Open → half-open is
 * lazy (checked on admission), so the breaker owns no timers. Outcomes of calls admitted in an earlier
 * state period (another generation) are dropped, so a slow call from before an opening cannot close it.
 */
export class CircuitBreaker {
  readonly name: string;
  readonly events: Emitter<BreakerEvents>;
  readonly #o: Required<Omit<CircuitBreakerOptions, 'events' | 'store'>>;
  readonly #store: BreakerStateStore | undefined;
  readonly #window: SlidingWindow;
  #state: BreakerState = 'closed';
  #generation = 0;
  #openUntil = 0;
  #openCount = 0;
  #consecutive = 0;
  #probesAdmitted = 0;
  #probeSuccesses = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#o = withDefaults({ ...BREAKER_DEFAULTS, clock: systemClock, random: systemRandom }, options);
    this.name = this.#o.name;
    this.events = options.events ?? new Emitter<BreakerEvents>();
    this.#store = options.store;
    this.#window = new SlidingWindow(this.#o.windowMs, this.#o.windowBuckets);
    const saved = this.#store?.load(this.name);
    if (saved && saved.state !== 'closed') {
      this.#state = 'open';
      this.#openUntil = saved.state === 'open' ? saved.openUntil : this.#o.clock.now();
      this.#openCount = saved.openCount;
    }
  }

  /** The current state (an elapsed open period turns into half-open here). */
  get state(): BreakerState {
    this.#refresh();
    return this.#state;
  }

  /** How long until an open breaker admits a probe; for a full half-open, the base open time. */
  retryAfterMs(): number {
    const state = this.state;
    if (state === 'open') return Math.max(0, Math.ceil(this.#openUntil - this.#o.clock.now()));
    return state === 'half-open' ? this.#o.openMs : 0;
  }

  /** Admits a call, or returns undefined when open or when half-open already has its probes. */
  tryAcquire(): BreakerPermit | undefined {
    this.#refresh();
    const startedAt = this.#o.clock.now();
    if (this.#state === 'closed') return { generation: this.#generation, probe: false, startedAt };
    if (this.#state === 'half-open' && this.#probesAdmitted < this.#o.halfOpenProbes) {
      this.#probesAdmitted++;
      return { generation: this.#generation, probe: true, startedAt };
    }
    return undefined;
  }

  /** Admits a call or throws GW_CIRCUIT_OPEN with `data.retryAfterMs`. */
  acquire(): BreakerPermit {
    const permit = this.tryAcquire();
    if (permit) return permit;
    throw this.openError();
  }

  /** The fast-fail error for a rejected call (also emits `rejected`). */
  openError(): GatewayError {
    const retryAfterMs = this.retryAfterMs();
    if (this.events.has('rejected')) this.events.emit('rejected', { name: this.name, state: this.#state, retryAfterMs });
    return new GatewayError('GW_CIRCUIT_OPEN', `Circuit breaker ${this.name} is ${this.#state}`, {
      data: { breaker: this.name, state: this.#state, retryAfterMs },
    });
  }

  /** Records the outcome of an admitted call. `ignored` frees a half-open probe slot without deciding. */
  release(permit: BreakerPermit, outcome: AttemptOutcome): void {
    this.#refresh();
    if (permit.generation !== this.#generation) return;
    const now = this.#o.clock.now();
    const slow = this.#o.slowCallMs > 0 && outcome !== 'ignored' && now - permit.startedAt > this.#o.slowCallMs;
    if (permit.probe) return this.#releaseProbe(outcome, slow);
    if (outcome === 'ignored') return;
    const failure = outcome === 'failure';
    this.#window.record(now, failure, slow);
    this.#consecutive = failure ? this.#consecutive + 1 : 0;
    const o = this.#o;
    if (failure && o.consecutiveFailures > 0 && this.#consecutive >= o.consecutiveFailures) return this.#open('consecutive-failures');
    const w = this.#window.counts(now);
    if (w.total < o.minimumCalls) return;
    if (o.failureRateThreshold > 0 && atLeast(w.failures / w.total, o.failureRateThreshold)) return this.#open('failure-rate');
    if (o.slowCallMs > 0 && atLeast(w.slow / w.total, o.slowCallRateThreshold)) this.#open('slow-call-rate');
  }

  /** Opens now, whatever the counts (e.g. a stdio upstream in a crash loop). */
  trip(reason = 'tripped'): void {
    this.#refresh();
    this.#open(reason);
  }

  /** Closes and forgets all history (operator action). */
  reset(): void {
    this.#refresh();
    this.#openCount = 0;
    this.#transition('closed', 'reset');
  }

  /** Counters for the admin API and tests. */
  snapshot(): {
    state: BreakerState;
    openCount: number;
    consecutiveFailures: number;
    retryAfterMs: number;
    window: ReturnType<SlidingWindow['counts']>;
  } {
    const state = this.state;
    const window = this.#window.counts(this.#o.clock.now());
    return { state, openCount: this.#openCount, consecutiveFailures: this.#consecutive, retryAfterMs: this.retryAfterMs(), window };
  }

  #releaseProbe(outcome: AttemptOutcome, slow: boolean): void {
    if (outcome === 'ignored') {
      this.#probesAdmitted--;
      return;
    }
    if (outcome === 'failure' || slow) return this.#open(slow && outcome !== 'failure' ? 'slow-probe' : 'probe-failed');
    if (++this.#probeSuccesses >= this.#o.halfOpenProbes) {
      this.#openCount = 0;
      this.#transition('closed', 'probes-succeeded');
    }
  }

  #open(reason: string): void {
    const o = this.#o;
    const ms = Math.min(o.maxOpenMs, withJitter(backoffCeiling(this.#openCount, o.openMs, o.maxOpenMs), o.openJitter, o.random));
    this.#openCount++;
    this.#openUntil = o.clock.now() + ms;
    this.#transition('open', reason, Math.ceil(ms));
  }

  #refresh(): void {
    if (this.#state === 'open' && this.#o.clock.now() >= this.#openUntil) this.#transition('half-open', 'open-elapsed');
  }

  #transition(to: BreakerState, reason: string, retryAfterMs?: number): void {
    const from = this.#state;
    this.#state = to;
    this.#generation++;
    this.#consecutive = 0;
    this.#probesAdmitted = 0;
    this.#probeSuccesses = 0;
    this.#window.reset();
    this.#store?.save(this.name, { state: to, openUntil: this.#openUntil, openCount: this.#openCount });
    if (this.events.has('transition'))
      this.events.emit(
        'transition',
        retryAfterMs === undefined ? { name: this.name, from, to, reason } : { name: this.name, from, to, reason, retryAfterMs },
      );
  }
}

/** `rate ≥ threshold`, tolerant of float noise (0.3 · 10 is not exactly 3). Thresholds are inclusive (resilience4j). */
function atLeast(rate: number, threshold: number): boolean {
  return rate >= threshold - 1e-9;
}
