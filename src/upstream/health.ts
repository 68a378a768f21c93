import { anySignal, type Clock, type TimerHandle } from '../core/index.js';
import type { UpstreamLogger } from './spec.js';
import { timeoutSignal } from './timeout-signal.js';
import { reasonText } from './upstream-errors.js';

/** What a HealthMonitor needs. */
export interface HealthMonitorOptions {
  readonly name: string;
  readonly log: UpstreamLogger;
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive failures that make the upstream unhealthy. */
  readonly failuresToDown: number;
  /**
   * One probe under `signal`. Resolves `false` when there was nothing to probe (no ready link): that
   * tick changes nothing. Rejects when the upstream did not answer.
   */
  readonly probe: (signal: AbortSignal) => Promise<boolean>;
  /** Health flipped; `reason` says why it went bad. */
  readonly changed: (healthy: boolean, reason?: string) => void;
}

/**
 * Periodic liveness probe of a ready link. An HTTP link has no process or socket whose loss we would
 * see, so without it a dead server looks 'ready' until a caller fails. It only reports: calls keep
 * going to the upstream while it is unhealthy (breakers decide about them).
 */
export class HealthMonitor {
  readonly #o: HealthMonitorOptions;
  readonly #life = new AbortController();
  #timer: TimerHandle | undefined;
  #running = false;
  #failures = 0;
  #healthy = true;

  constructor(options: HealthMonitorOptions) {
    this.#o = options;
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  /** Starts probing every `intervalMs` (the first probe one interval from now). */
  start(): void {
    if (this.#life.signal.aborted || this.#timer !== undefined || this.#running) return;
    this.#schedule();
  }

  /** A fresh link just completed its handshake: that is proof of health; count failures anew. */
  reset(): void {
    this.#failures = 0;
    this.#healthy = true;
  }

  stop(): void {
    this.#life.abort(new Error('health check stopped'));
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#life.signal.aborted) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#tick();
    }, this.#o.intervalMs);
    this.#timer.unref?.();
  }

  async #tick(): Promise<void> {
    const bounded = timeoutSignal(this.#o.clock, this.#o.timeoutMs, this.#o.name, 'health check');
    const linked = anySignal([bounded.signal, this.#life.signal]);
    this.#running = true;
    try {
      const probed = await this.#o.probe(linked.signal);
      if (probed && !this.#life.signal.aborted) this.#succeeded();
    } catch (err) {
      if (!this.#life.signal.aborted) this.#failed(err);
    } finally {
      linked.dispose();
      bounded.dispose();
      this.#running = false;
      this.#schedule();
    }
  }

  #succeeded(): void {
    this.#failures = 0;
    if (this.#healthy) return;
    this.#healthy = true;
    this.#o.log.info({ upstream: this.#o.name }, 'upstream health check passed again');
    this.#o.changed(true);
  }

  #failed(err: unknown): void {
    this.#failures++;
    this.#o.log.debug({ upstream: this.#o.name, failures: this.#failures, reason: reasonText(err) }, 'upstream health check failed');
    if (!this.#healthy || this.#failures < this.#o.failuresToDown) return;
    this.#healthy = false;
    const reason = `health check failed ${this.#failures} times: ${reasonText(err)}`;
    this.#o.log.warn({ upstream: this.#o.name, reason }, 'upstream reported down by its health check');
    this.#o.changed(false, reason);
  }
}
