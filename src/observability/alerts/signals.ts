import type { Channels } from '../channels.js';

// What the rules read, kept from the channels: per upstream, per-second buckets of calls (count, errors,
// a latency histogram for p95) over the window; breaker and replica states; child exits. Memory is
// bounded by the configured upstreams and the window length, never by traffic.

const BOUNDS = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, Infinity];

interface Bucket {
  second: number;
  calls: number;
  errors: number;
  ok: number;
  latency: number[];
}

/** Per-upstream figures over the window at the time asked. */
export interface UpstreamFigures {
  readonly calls: number;
  readonly errorsPerMinute: number;
  readonly successRate: number | undefined;
  readonly p95Ms: number | undefined;
}

/** Live state the alert rules evaluate. */
export class Signals {
  readonly #buckets = new Map<string, Bucket[]>();
  readonly #exits = new Map<string, number[]>();
  /** upstream → replica → breaker state / connection state. */
  readonly breakers = new Map<string, Map<number, string>>();
  readonly states = new Map<string, Map<number, string>>();

  constructor(
    private readonly now: () => number,
    private readonly windowMs: number,
  ) {}

  /** Subscribes to the channels; returns the unsubscribe function. */
  attach(channels: Channels): () => void {
    const offs = [
      channels.callEnd.subscribe((e) => this.call(e.upstream, e.outcome, e.durationMs)),
      channels.breaker.subscribe((e) => setState(this.breakers, e.upstream, e.replica, e.to)),
      channels.upstreamState.subscribe((e) => setState(this.states, e.upstream, e.replica, e.state)),
      channels.upstreamExit.subscribe((e) => this.exit(e.upstream)),
    ];
    return () => offs.forEach((off) => off());
  }

  /** Records one finished call. */
  call(upstream: string, outcome: string, durationMs: number): void {
    if (outcome === 'cancelled') return;
    const second = Math.floor(this.now() / 1000);
    let list = this.#buckets.get(upstream);
    if (!list) this.#buckets.set(upstream, (list = []));
    let bucket = list[list.length - 1];
    if (!bucket || bucket.second !== second) {
      list.push((bucket = { second, calls: 0, errors: 0, ok: 0, latency: BOUNDS.map(() => 0) }));
      this.#trim(list);
    }
    bucket.calls++;
    // Tool errors are answers; upstream and gateway errors are failures.
    if (outcome === 'upstream-error' || outcome === 'gateway-error') bucket.errors++;
    else bucket.ok++;
    const i = BOUNDS.findIndex((b) => durationMs <= b);
    bucket.latency[i] = (bucket.latency[i] ?? 0) + 1;
  }

  /** Records one child exit. */
  exit(upstream: string): void {
    let list = this.#exits.get(upstream);
    if (!list) this.#exits.set(upstream, (list = []));
    list.push(this.now());
    const from = this.now() - this.windowMs;
    while (list.length > 0 && (list[0] as number) < from) list.shift();
  }

  /** Child exits of `upstream` within the window. */
  exits(upstream: string): number {
    const from = this.now() - this.windowMs;
    return (this.#exits.get(upstream) ?? []).filter((t) => t >= from).length;
  }

  /** Every upstream seen on any channel. */
  upstreams(): Set<string> {
    return new Set([...this.#buckets.keys(), ...this.breakers.keys(), ...this.states.keys(), ...this.#exits.keys()]);
  }

  /** Calls, error rate, success rate and p95 of `upstream` over the window. */
  figures(upstream: string): UpstreamFigures {
    const list = this.#buckets.get(upstream) ?? [];
    this.#trim(list);
    let calls = 0;
    let errors = 0;
    let ok = 0;
    const latency = BOUNDS.map(() => 0);
    for (const b of list) {
      calls += b.calls;
      errors += b.errors;
      ok += b.ok;
      b.latency.forEach((n, i) => (latency[i] = (latency[i] ?? 0) + n));
    }
    let p95: number | undefined;
    if (calls > 0) {
      let seen = 0;
      for (const [i, n] of latency.entries()) {
        seen += n;
        if (seen >= calls * 0.95) {
          p95 = BOUNDS[i];
          break;
        }
      }
    }
    return {
      calls,
      errorsPerMinute: (errors * 60_000) / this.windowMs,
      successRate: calls > 0 ? ok / calls : undefined,
      p95Ms: p95 === Infinity ? (BOUNDS[BOUNDS.length - 2] as number) * 2 : p95,
    };
  }

  #trim(list: Bucket[]): void {
    const oldest = Math.floor((this.now() - this.windowMs) / 1000);
    while (list.length > 0 && (list[0] as Bucket).second <= oldest) list.shift();
  }
}

function setState(map: Map<string, Map<number, string>>, upstream: string, replica: number, state: string): void {
  let replicas = map.get(upstream);
  if (!replicas) map.set(upstream, (replicas = new Map()));
  replicas.set(replica, state);
}
