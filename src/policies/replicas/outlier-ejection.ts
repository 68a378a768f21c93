import type { Clock, Emitter, Random } from '../../core/index.js';
import type { AttemptOutcome } from '../../resilience/index.js';
import { withDefaults } from '../../resilience/index.js';
import type { ReplicaEvents } from './replica-events.js';

export interface EjectionOptions {
  /** Upstream failures in a row that eject a replica (default 5). */
  readonly consecutiveFailures?: number;
  /** Ejection time = min(maxEjectionMs, baseEjectionMs × k) + jitter, k = times ejected (defaults 30 s / 300 s). */
  readonly baseEjectionMs?: number;
  readonly maxEjectionMs?: number;
  /** Extra random time, up to this fraction of baseEjectionMs (default 0.1). */
  readonly jitter?: number;
  /** Most replicas ejected at once, in % (default 50); at least one is allowed, and one always stays. */
  readonly maxEjectionPercent?: number;
}

const DEFAULTS = Object.freeze({
  consecutiveFailures: 5,
  baseEjectionMs: 30_000,
  maxEjectionMs: 300_000,
  jitter: 0.1,
  maxEjectionPercent: 50,
});

/**
 * Passive health (Envoy outlier detection, consecutive failures): a replica with N upstream failures in a
 * row leaves rotation for a time that grows with each ejection (k decays by one per base period spent
 * healthy). Never more than maxEjectionPercent of the replicas, and never all of them, are ejected.
 */
export class OutlierEjector {
  readonly #o: Required<EjectionOptions>;
  readonly #failures: number[];
  readonly #until: number[];
  readonly #times: number[];
  readonly #returnedAt: number[];
  readonly #allowed: number;

  constructor(
    readonly replicas: number,
    options: EjectionOptions,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly events?: Emitter<ReplicaEvents>,
  ) {
    this.#o = withDefaults(DEFAULTS, options);
    this.#failures = new Array<number>(replicas).fill(0);
    this.#until = new Array<number>(replicas).fill(0);
    this.#times = new Array<number>(replicas).fill(0);
    this.#returnedAt = new Array<number>(replicas).fill(-Infinity);
    this.#allowed = replicas <= 1 ? 0 : Math.min(replicas - 1, Math.max(1, Math.floor((replicas * this.#o.maxEjectionPercent) / 100)));
  }

  /** True while ejected (an elapsed ejection ends here). */
  isEjected(replica: number): boolean {
    const until = this.#until[replica] ?? 0;
    if (until === 0) return false;
    if (this.clock.now() < until) return true;
    this.#until[replica] = 0;
    this.#returnedAt[replica] = until;
    this.events?.emit('returned', { replica });
    return false;
  }

  get ejectedCount(): number {
    let n = 0;
    for (let i = 0; i < this.replicas; i++) if (this.isEjected(i)) n++;
    return n;
  }

  /** Records an attempt's outcome on `replica`; ignored outcomes change nothing. */
  record(replica: number, outcome: AttemptOutcome): void {
    if (outcome === 'ignored' || replica >= this.replicas) return;
    if (outcome === 'success') {
      this.#failures[replica] = 0;
      return;
    }
    const failures = ++this.#failures[replica]!;
    if (failures < this.#o.consecutiveFailures || this.isEjected(replica) || this.ejectedCount >= this.#allowed) return;
    this.#eject(replica);
  }

  #eject(replica: number): void {
    const { baseEjectionMs, maxEjectionMs, jitter } = this.#o;
    const now = this.clock.now();
    // k decays by one per base period spent back in rotation (Infinity before the first ejection).
    const healthyPeriods = Math.floor((now - this.#returnedAt[replica]!) / baseEjectionMs);
    const times = Math.max(0, this.#times[replica]! - healthyPeriods) + 1;
    const forMs = Math.min(maxEjectionMs, baseEjectionMs * times) + this.random.next() * jitter * baseEjectionMs;
    this.#times[replica] = times;
    this.#failures[replica] = 0;
    this.#until[replica] = now + forMs;
    this.events?.emit('ejected', { replica, forMs, times });
  }
}
