import { Emitter, type Clock, type Random } from '../core/index.js';
import type { Params } from '../protocol/index.js';
import { EraCache } from './era.js';
import type { PeerStats } from './peer-routing.js';
import type { LinkContext, LinkOpener } from './links.js';
import { DEFAULT_CLIENT_CAPABILITIES, UPSTREAM_DEFAULTS, resolveRestart, type UpstreamLogger, type UpstreamSpec } from './spec.js';
import { Supervisor } from './supervisor.js';
import type {
  ServerRequestHandler,
  UpstreamConnection,
  UpstreamEvents,
  UpstreamInfo,
  UpstreamRequestOptions,
  UpstreamState,
} from './types.js';

/** Injected dependencies of a connection. */
export interface ConnectionDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly log: UpstreamLogger;
}

/**
 * The UpstreamConnection: a supervised link (stdio child, HTTP session, SSE stream) plus the cached
 * era verdict and server facts. The per-call path is one property read and a peer.request() while
 * ready; only during a restart does a request wait (bounded by its signal).
 */
export class Connection implements UpstreamConnection {
  readonly name: string;
  readonly events = new Emitter<UpstreamEvents>();
  readonly #supervisor: Supervisor;
  readonly #connectTimeoutMs: number;
  #info: UpstreamInfo | undefined;
  #fallback: ServerRequestHandler | undefined;

  constructor(spec: UpstreamSpec, deps: ConnectionDeps, open: LinkOpener) {
    this.name = spec.name;
    this.#connectTimeoutMs = spec.connectTimeoutMs ?? UPSTREAM_DEFAULTS.connectTimeoutMs;
    const restart = resolveRestart(spec.restart);
    const ctx: LinkContext = {
      spec,
      clock: deps.clock,
      random: deps.random,
      log: deps.log,
      maxMessageBytes: spec.maxMessageBytes ?? UPSTREAM_DEFAULTS.maxMessageBytes,
      connectTimeoutMs: this.#connectTimeoutMs,
      killGraceMs: spec.killGraceMs ?? UPSTREAM_DEFAULTS.killGraceMs,
      maxConnections: spec.maxConnections ?? UPSTREAM_DEFAULTS.maxConnections,
      restart,
      capabilities: spec.clientCapabilities ?? { ...DEFAULT_CLIENT_CAPABILITIES },
      eras: new EraCache(spec.era ?? 'auto'),
      known: () => this.#info,
      learnt: (info) => (this.#info = info),
      onNotification: (n) => this.events.emit('notification', n),
      fallback: () => this.#fallback,
    };
    this.#supervisor = new Supervisor({
      name: spec.name,
      clock: deps.clock,
      random: deps.random,
      log: deps.log,
      restart,
      events: this.events,
      open: async (signal) => {
        const link = await open(ctx, signal);
        this.#info = link.info;
        return link;
      },
    });
  }

  get state(): UpstreamState {
    return this.#supervisor.state;
  }

  get info(): UpstreamInfo | undefined {
    return this.#info;
  }

  /** Peer counters of the live link (late/unknown responses, malformed messages), if any. */
  get stats(): Readonly<PeerStats> | undefined {
    return this.#supervisor.link?.peer.stats;
  }

  start(): Promise<void> {
    return this.#supervisor.start();
  }

  request(method: string, params: Params | undefined, options: UpstreamRequestOptions): Promise<Record<string, unknown>> {
    const link = this.#supervisor.link;
    if (link !== undefined) return link.peer.request(method, params, options);
    return this.#supervisor.waitReady(options.signal).then((l) => l.peer.request(method, params, options));
  }

  notify(method: string, params?: Params): Promise<void> {
    const link = this.#supervisor.link;
    if (link !== undefined) return link.peer.notify(method, params);
    const signal = AbortSignal.timeout(this.#connectTimeoutMs);
    return this.#supervisor.waitReady(signal).then((l) => l.peer.notify(method, params));
  }

  setFallbackRequestHandler(handler: ServerRequestHandler | undefined): void {
    this.#fallback = handler;
  }

  close(): Promise<void> {
    return this.#supervisor.stop();
  }
}
