// Per-tool runtime state: a seeded random stream (latency, error rate) and the flap phase clock.
import { seededRandom, systemClock, type Clock, type Random } from '../../core/index.js';
import { behaviourOf, type MockScript, type ToolBehaviour } from './script.js';

// z of the 99th percentile of a standard normal: fits a log-normal to (p50, p99).
const Z99 = 2.3263478740408408;

/** A tool's behaviour plus the state its randomness and flapping need. */
export class ToolRuntime {
  private flapEpoch: number | undefined;

  constructor(
    readonly name: string,
    readonly b: ToolBehaviour,
    private readonly random: Random,
    private readonly clock: Clock,
  ) {}

  /** Latency of one call in ms: fixed, or log-normal with the scripted median and p99. */
  latencyMs(): number {
    const l = this.b.latency;
    if (l === undefined) return 0;
    if (typeof l === 'number') return l;
    if (l.p99Ms === undefined || l.p99Ms <= l.p50Ms || l.p50Ms === 0) return l.p50Ms;
    const sigma = Math.log(l.p99Ms / l.p50Ms) / Z99;
    // Box-Muller; 1 - next() keeps the log argument in (0, 1].
    const z = Math.sqrt(-2 * Math.log(1 - this.random.next())) * Math.cos(2 * Math.PI * this.random.next());
    return Math.round(l.p50Ms * Math.exp(sigma * z));
  }

  /** True when this call should fail by `errorRate` (draws only when a rate is set). */
  failsByRate(): boolean {
    // A scripted `error` without a rate means "always fail".
    const rate = this.b.errorRate ?? (this.b.error === undefined ? 0 : 1);
    return rate > 0 && this.random.next() < rate;
  }

  /** True during a down phase. Phases start at the tool's first call, up first, so tests know where they are. */
  isDown(): boolean {
    const f = this.b.flap;
    if (f === undefined) return false;
    const now = this.clock.now();
    this.flapEpoch ??= now;
    const period = f.upMs + f.downMs;
    return period > 0 && (now - this.flapEpoch) % period >= f.upMs;
  }
}

/** Builds and caches a ToolRuntime per tool name, each with its own random stream derived from the seed. */
export class ToolTable {
  private readonly tools = new Map<string, ToolRuntime>();
  readonly seed: number;

  constructor(
    private readonly script: MockScript,
    private readonly clock: Clock = systemClock,
  ) {
    this.seed = script.seed ?? Math.floor(Math.random() * 2 ** 32);
  }

  /** The runtime of a known tool, or undefined. */
  get(name: string): ToolRuntime | undefined {
    let t = this.tools.get(name);
    if (t === undefined && this.names().includes(name)) {
      // A stream per tool keeps each tool's draws reproducible whatever the interleaving with other tools.
      t = new ToolRuntime(name, behaviourOf(this.script, name), seededRandom(this.seed ^ hash(name)), this.clock);
      this.tools.set(name, t);
    }
    return t;
  }

  /** Every scripted tool name, plus the always-present `echo`. */
  names(): string[] {
    const names = Object.keys(this.script.tools);
    return names.includes('echo') ? names : ['echo', ...names];
  }

  /** Forgets flap epochs (used by the control channel's reset). */
  reset(): void {
    this.tools.clear();
  }
}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
