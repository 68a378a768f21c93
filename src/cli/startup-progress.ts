import type { Gateway } from '../app/index.js';
import type { UpstreamConnection } from '../upstream/index.js';

/** How one upstream's first start went. */
export interface UpstreamOutcome {
  readonly name: string;
  readonly ready: boolean;
  readonly reason?: string;
}

/**
 * Human progress of the upstreams' first start, one line each: "fs: starting…", "fs: ready, 14 tools
 * in 0.4 s", "search: failed: spawn x ENOENT, retrying". `settled` resolves once every upstream is ready
 * or has failed its first attempt; later state changes are reported while `write` is attached.
 */
export class StartupProgress {
  readonly settled: Promise<UpstreamOutcome[]>;
  #outcomes = new Map<string, UpstreamOutcome>();
  /** Upstreams (by name) with a replica ready and its tools loaded. */
  #ready = new Set<string>();
  #onReady: (() => void)[] = [];
  #off: (() => void)[] = [];
  #resolve: (o: UpstreamOutcome[]) => void = () => {};

  constructor(
    private readonly gateway: Gateway,
    private readonly write: (line: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.settled = new Promise((resolve) => (this.#resolve = resolve));
    const started = this.now();
    for (const [name, replicas] of gateway.upstreams)
      replicas.forEach((r, i) => this.#watch(replicas.length > 1 ? `${name}[${i}]` : name, name, r, started));
    if (gateway.upstreams.size === 0) this.#resolve([]);
  }

  /** Upstreams whose first start has not settled yet. */
  get pending(): number {
    return this.gateway.upstreams.size - new Set([...this.#outcomes.values()].map((o) => o.name)).size;
  }

  /** Each upstream's first verdict so far. */
  get outcomes(): UpstreamOutcome[] {
    return [...this.gateway.upstreams.keys()].map((name) => this.#outcomes.get(name) ?? { name, ready: false, reason: 'still starting' });
  }

  /** True once every upstream is ready (retries included), false when `timeoutMs` passes first. */
  allReady(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.#ready.size < this.gateway.upstreams.size) return;
        clearTimeout(timer);
        resolve(true);
      };
      // unref: a pending wait must not keep a stopped process alive.
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.#onReady.push(check);
      check();
    });
  }

  /** Stops reporting. */
  stop(): void {
    for (const off of this.#off.splice(0)) off();
  }

  #watch(label: string, upstream: string, r: UpstreamConnection, started: number): void {
    this.write(`  ${label}: starting…`);
    let wasReady = false;
    this.#off.push(
      r.events.on('state', ({ state, reason }) => {
        if (state === 'ready') {
          wasReady = true;
          void this.#tools(upstream, r).then((tools) => {
            const seconds = ((this.now() - started) / 1000).toFixed(1);
            this.write(`  ${label}: ready, ${tools} in ${seconds} s`);
            this.#settle({ name: upstream, ready: true });
            this.#ready.add(upstream);
            for (const f of this.#onReady) f();
          });
        } else if (state === 'restarting' || state === 'down') {
          // "Upstream fs unavailable: spawn failed: …" says the name twice on a line that starts with it.
          const why = (reason ?? state).replace(/^Upstream \S+ unavailable: /, '');
          this.write(
            `  ${label}: ${wasReady ? 'lost' : 'failed'}: ${why}${state === 'down' ? ', down (crash loop), probing again later' : ', retrying'}`,
          );
          wasReady = false;
          if (!this.gateway.upstreams.get(upstream)!.some((x) => x.state === 'ready')) this.#ready.delete(upstream);
          this.#settle({ name: upstream, ready: false, reason: why });
        }
      }),
    );
  }

  /** "N tools" as callers see them, once the upstream's first tool list is in. */
  async #tools(upstream: string, r: UpstreamConnection): Promise<string> {
    const aggregator = this.gateway.aggregator;
    if (r.info?.capabilities.tools !== undefined)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 10_000);
        timer.unref();
        const offs = [
          aggregator.events.on('changed', (e) => e.kind === 'tools' && e.upstream === upstream && done()),
          aggregator.events.on('error', (e) => e.kind === 'tools' && e.upstream === upstream && done()),
        ];
        function done(): void {
          clearTimeout(timer);
          for (const off of offs) off();
          resolve();
        }
      });
    const n = aggregator.tools.list.filter((t) => aggregator.tools.get(t.name)?.upstream === upstream).length;
    return `${n} tool${n === 1 ? '' : 's'}`;
  }

  #settle(outcome: UpstreamOutcome): void {
    // The first verdict per upstream counts for the summary; a replica that is ready wins over one that failed.
    const prior = this.#outcomes.get(outcome.name);
    if (prior === undefined || (!prior.ready && outcome.ready)) this.#outcomes.set(outcome.name, outcome);
    else if (prior.ready === outcome.ready) return;
    if (this.pending === 0) this.#resolve([...this.#outcomes.values()]);
  }
}
