import { Emitter, type Clock, type Random } from '../core/index.js';
import { UpstreamRpcError } from '../errors/index.js';
import type { Era, Params } from '../protocol/index.js';
import { EraCache } from './era.js';
import { HealthMonitor } from './health.js';
import { LegacySibling } from './legacy-sibling.js';
import type { PeerStats } from './peer-routing.js';
import type { LinkContext, LinkOpener } from './links.js';
import { ResourceSubscriptions } from './resource-subscriptions.js';
import {
  clientCapabilitiesFor,
  UPSTREAM_DEFAULTS,
  resolveRestart,
  type HealthCheckOptions,
  type UpstreamLogger,
  type UpstreamSpec,
} from './spec.js';
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
 * ready; only during a restart does a request wait (bounded by its signal). Around the link: the
 * resource subscriptions and change feed (re-established on every new link) and the optional health
 * check, which may report a ready link 'down' without stopping calls to it.
 */
export class Connection implements UpstreamConnection {
  readonly name: string;
  readonly events = new Emitter<UpstreamEvents>();
  readonly #supervisor: Supervisor;
  readonly #network: boolean;
  readonly #connectTimeoutMs: number;
  readonly #subscriptions: ResourceSubscriptions;
  readonly #health: HealthMonitor | undefined;
  #info: UpstreamInfo | undefined;
  #fallback: ServerRequestHandler | undefined;
  /** What the gateway declared upstream: a notification about an undeclared capability is never sent. */
  readonly #capabilities: Record<string, unknown>;
  /** The state last published on `events` (the supervisor's, overlaid with the health verdict). */
  #published: UpstreamState = 'idle';
  /** The legacy link of a dual-era upstream (era `auto` only), used for legacy callers once a probe said modern. */
  readonly #legacy: LegacySibling | undefined;

  constructor(spec: UpstreamSpec, deps: ConnectionDeps, open: LinkOpener) {
    this.name = spec.name;
    this.#network = spec.kind !== 'stdio';
    this.#capabilities = clientCapabilitiesFor(spec);
    this.#connectTimeoutMs = spec.connectTimeoutMs ?? UPSTREAM_DEFAULTS.connectTimeoutMs;
    const restart = resolveRestart(spec.restart, spec.kind);
    this.#subscriptions = new ResourceSubscriptions({
      name: spec.name,
      log: deps.log,
      clock: deps.clock,
      random: deps.random,
      backoff: restart,
      debounceMs: UPSTREAM_DEFAULTS.listenDebounceMs,
      ackTimeoutMs: this.#connectTimeoutMs,
      requestTimeoutMs: this.#connectTimeoutMs,
      info: () => this.#info,
      emit: (n) => this.events.emit('notification', n),
      established: (e) => this.events.emit('subscriptions', e),
    });
    this.#health = healthMonitor(spec, deps, {
      probe: (signal, check) => this.#probe(signal, check),
      changed: (healthy, reason) => {
        if (healthy) this.#subscriptions.nudge();
        // A server that was unreachable may come back as a new process that forgot our session.
        else this.#supervisor.link?.suspect?.();
        this.#publish(reason);
      },
    });
    const ctx: LinkContext = {
      spec,
      clock: deps.clock,
      random: deps.random,
      log: deps.log,
      maxMessageBytes: spec.maxMessageBytes ?? UPSTREAM_DEFAULTS.maxMessageBytes,
      maxJsonDepth: spec.maxJsonDepth ?? UPSTREAM_DEFAULTS.maxJsonDepth,
      connectTimeoutMs: this.#connectTimeoutMs,
      killGraceMs: spec.killGraceMs ?? UPSTREAM_DEFAULTS.killGraceMs,
      maxConnections: spec.maxConnections ?? UPSTREAM_DEFAULTS.maxConnections,
      restart,
      capabilities: this.#capabilities,
      eras: new EraCache(spec.era === 'dual' ? 'auto' : (spec.era ?? 'auto')),
      known: () => this.#info,
      learnt: (info) => (this.#info = info),
      sessionRestored: () => this.#subscriptions.sessionRestored(),
      onNotification: (n) => this.events.emit('notification', n),
      fallback: () => this.#fallback,
    };
    this.#legacy =
      spec.era === 'dual'
        ? new LegacySibling({ name: spec.name, clock: deps.clock, random: deps.random, log: deps.log, restart, link: ctx, open })
        : undefined;
    // The supervisor reports to its own emitter: `state` is republished with the health overlay.
    const lifecycle = new Emitter<UpstreamEvents>();
    lifecycle.on('exit', (e) => this.events.emit('exit', e));
    lifecycle.on('state', ({ state, reason }) => this.#lifecycle(state, reason));
    this.#supervisor = new Supervisor({
      name: spec.name,
      failFastWhenUnreachable: this.#network,
      clock: deps.clock,
      random: deps.random,
      log: deps.log,
      restart,
      events: lifecycle,
      open: async (signal) => {
        const link = await open(ctx, signal);
        this.#info = link.info;
        return link;
      },
    });
  }

  get state(): UpstreamState {
    const state = this.#supervisor.state;
    // A network upstream whose last open failed (refused, timed out) is down until an open succeeds, so
    // breakers trip and replicas fail over instead of calls waiting out its long backoff. (A stdio child
    // restarts in milliseconds; its crash loops reach 'down' through the supervisor.)
    if (this.#network && (state === 'restarting' || state === 'connecting') && this.#supervisor.unreachable !== undefined) return 'down';
    return state === 'ready' && this.#health?.healthy === false ? 'down' : state;
  }

  get info(): UpstreamInfo | undefined {
    return this.#info;
  }

  get inFlight(): number {
    return (this.#supervisor.link?.peer.inFlight ?? 0) + (this.#legacy?.inFlight ?? 0);
  }

  /** The era a call from a caller of `callerEra` is sent in: a dual-era upstream serves each caller in its own. */
  eraFor(callerEra: Era): Era | undefined {
    const era = this.#info?.era;
    return era === 'modern' && callerEra === 'legacy' && this.#legacy?.usable === true ? 'legacy' : era;
  }

  /** Peer counters of the live link (late/unknown responses, malformed messages), if any. */
  get stats(): Readonly<PeerStats> | undefined {
    return this.#supervisor.link?.peer.stats;
  }

  /** The resource URIs this connection keeps subscribed upstream. */
  get resourceSubscriptions(): ReadonlySet<string> {
    return this.#subscriptions.uris;
  }

  start(): Promise<void> {
    return this.#supervisor.start();
  }

  request(method: string, params: Params | undefined, options: UpstreamRequestOptions): Promise<Record<string, unknown>> {
    if (options.era === 'legacy' && this.#legacy !== undefined && this.#info?.era === 'modern')
      return this.#legacy.request(method, params, options, () => this.#request(method, params, options));
    return this.#request(method, params, options);
  }

  #request(method: string, params: Params | undefined, options: UpstreamRequestOptions): Promise<Record<string, unknown>> {
    const link = this.#supervisor.link;
    if (link !== undefined) return link.peer.request(method, params, options);
    return this.#supervisor.waitReady(options.signal).then((l) => l.peer.request(method, params, options));
  }

  notify(method: string, params?: Params): Promise<void> {
    if (method === 'notifications/roots/list_changed' && this.#capabilities.roots === undefined) return Promise.resolve();
    const link = this.#supervisor.link;
    if (link !== undefined) return link.peer.notify(method, params);
    const signal = AbortSignal.timeout(this.#connectTimeoutMs);
    return this.#supervisor.waitReady(signal).then((l) => l.peer.notify(method, params));
  }

  subscribeResource(uri: string): Promise<void> {
    return this.#subscriptions.subscribe(uri);
  }

  unsubscribeResource(uri: string): Promise<void> {
    return this.#subscriptions.unsubscribe(uri);
  }

  setFallbackRequestHandler(handler: ServerRequestHandler | undefined): void {
    this.#fallback = handler;
  }

  async close(): Promise<void> {
    await Promise.all([this.#supervisor.stop(), this.#legacy?.close()]);
  }

  /** The supervisor moved: (re)attach subscriptions to a new link, start/stop the health check. */
  #lifecycle(state: UpstreamState, reason: string | undefined): void {
    if (state === 'ready') {
      this.#health?.reset();
      const link = this.#supervisor.link;
      if (link !== undefined) this.#subscriptions.attach(link.peer);
      this.#health?.start();
    } else if (state === 'closed') {
      this.#subscriptions.close();
      this.#health?.stop();
    } else {
      this.#subscriptions.detach(reason ?? state);
    }
    this.#publish(reason);
  }

  #publish(reason: string | undefined): void {
    const state = this.state;
    if (state === this.#published) return;
    this.#published = state;
    this.events.emit('state', reason === undefined ? { state } : { state, reason });
  }

  /**
   * One health probe on the live link. Any answer from the server, an error response included,
   * proves it alive; only transport failures and timeouts count. `false`: no link to probe.
   */
  async #probe(signal: AbortSignal, check: HealthCheckOptions): Promise<boolean> {
    const link = this.#supervisor.link;
    if (link === undefined) return false;
    try {
      await link.peer.request(healthMethod(check, this.#info), undefined, { signal });
    } catch (err) {
      if (!(err instanceof UpstreamRpcError)) throw err;
    }
    return true;
  }
}

function healthMonitor(
  spec: UpstreamSpec,
  deps: ConnectionDeps,
  hooks: {
    probe: (signal: AbortSignal, check: HealthCheckOptions) => Promise<boolean>;
    changed: (healthy: boolean, reason?: string) => void;
  },
): HealthMonitor | undefined {
  const check = spec.healthCheck;
  if (check === undefined || !(check.intervalMs > 0)) return undefined;
  return new HealthMonitor({
    name: spec.name,
    log: deps.log,
    clock: deps.clock,
    intervalMs: check.intervalMs,
    timeoutMs: check.timeoutMs > 0 ? check.timeoutMs : check.intervalMs,
    failuresToDown: UPSTREAM_DEFAULTS.healthFailuresToDown,
    probe: (signal) => hooks.probe(signal, check),
    changed: hooks.changed,
  });
}

/** `ping` where it exists (legacy) and was asked for; else the cheapest list the server announces. */
function healthMethod(check: HealthCheckOptions, info: UpstreamInfo | undefined): string {
  if (check.method === 'ping' && info?.era !== 'modern') return 'ping';
  const caps = info?.capabilities ?? {};
  if (caps.tools) return 'tools/list';
  if (caps.prompts) return 'prompts/list';
  if (caps.resources) return 'resources/list';
  return 'tools/list';
}
