import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock, Logger } from '../core/index.js';
import { systemClock } from '../core/index.js';
import type { BreakwaterConfig } from '../config/index.js';
import type { KeyStore } from '../store/key-store.js';
import type { PinStore } from '../policies/pinning/index.js';
import {
  Aggregator,
  createDispatch,
  InputBridge,
  mergeInstructions,
  renamedOf,
  type AggregatedUpstream,
  type NamedRouteTable,
} from '../router/index.js';
import { Dispatcher, SessionLayer, SessionStore, SubscriptionHub, type GatewayInfo } from '../session/index.js';
import { HttpServer, LegacySseEndpoint, legacySsePaths, McpEndpoint, StreamRegistry } from '../transport/http/index.js';
import { createUpstreamConnection, type UpstreamConnection } from '../upstream/index.js';
import { AccessControl } from './access-control.js';
import { wireAuth, type AuthSetup } from './auth-wiring.js';
import { deliverSessionLog, Isolation } from './isolation.js';
import type { Channels } from '../observability/index.js';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import {
  bridgeResilience,
  bridgeUpstreams,
  gatewayChannels,
  observeAttempts,
  publishSession,
  type AttemptHooks,
} from './observability-wiring.js';
import { gatewayState } from './gateway-state.js';
import { Operations } from './operations.js';
import { createPinning, watchPins, type PinningSetup } from './pinning-wiring.js';
import { createAudit, type AuditSetup } from './audit-wiring.js';
import { toolDefinitionFrom } from './guard-wiring.js';
import { PipelineCompiler } from './pipeline-compiler.js';
import { resolveScope } from './policy-scope.js';
import { wireResilience } from './resilience-wiring.js';
import { toolAnnotationsFrom } from './route-traits.js';
import { upstreamSpecs } from './upstream-specs.js';
import { VERSION } from './version.js';

export interface GatewayOptions {
  readonly config: BreakwaterConfig;
  readonly log: Logger;
  readonly clock?: Clock;
  /** Where spans go instead of OTLP/HTTP when tracing is on (tests: an in-memory exporter). */
  readonly spanExporter?: SpanExporter;
  /** The config file the config came from: relative `storage.dir` is resolved from its folder (default: the cwd). */
  readonly configFile?: string;
  /** Tool pins (tests); default: SQLite in `storage.dir`/pins.db when pinning is enabled. */
  readonly pinStore?: PinStore;
  /** API keys (tests); default: SQLite in `storage.dir`/keys.db when `auth.apiKeys` is enabled. */
  readonly keyStore?: KeyStore;
}

/**
 * The composition root: builds every component from the frozen config, starts them (upstreams first,
 * their handshakes overlapping the listener's start; calls wait boundedly for first lists), and drains
 * them in reverse.
 */
export class Gateway {
  readonly upstreams = new Map<string, UpstreamConnection[]>();
  readonly aggregator: Aggregator;
  readonly layer: SessionLayer;
  readonly pipelines: PipelineCompiler;
  /** Modern callers' calls to legacy upstreams parked until the caller's retry brings the input they asked for. */
  readonly inputBridge: InputBridge;
  /** Per-caller connections of upstreams with `isolation` other than shared. */
  readonly isolation: Isolation;
  /** The observability surface: every layer publishes here; metrics, traces, access log and audit subscribe. */
  readonly channels: Channels;
  /** Rate limits and authorization (policies in front of every route, per-caller lists). */
  readonly access: AccessControl;
  /** Metrics, access log, readiness detail and the admin listener (subscribers of `channels`). */
  readonly operations: Operations;
  #http: HttpServer | undefined;
  #sse: LegacySseEndpoint | undefined;
  /** Authentication and edge protection of the listener (ADR 0020), once listening. */
  #auth: AuthSetup | undefined;
  #address: AddressInfo | undefined;
  #stopping: Promise<void> | undefined;
  #instructionsCache: { key: string; tools: NamedRouteTable; prompts: NamedRouteTable; value: string | undefined } | undefined;
  readonly #unwire: () => void;
  readonly #unobserve: () => void;
  readonly #attemptHooks: AttemptHooks = {};
  /** Tool-definition pinning (rug-pull protection), when enabled. */
  readonly pins: PinningSetup | undefined;
  /** The audit log and its gate (ADR 0019), when `audit.enabled`. */
  readonly audit: AuditSetup | undefined;
  #unwatchPins: (() => void) | undefined;

  constructor(private readonly options: GatewayOptions) {
    const { config, log } = options;
    const clock = options.clock ?? systemClock;
    this.channels = gatewayChannels(log, clock);
    this.audit = createAudit(config, options.configFile ?? '<inline>', this.channels, log);
    const aggregated: AggregatedUpstream[] = [];
    for (const [name, upstream] of Object.entries(config.upstreams)) {
      if (!upstream.enabled) continue;
      const replicas = upstreamSpecs(name, upstream, resolveScope(config, name, undefined).healthCheck).map((spec) =>
        createUpstreamConnection(spec, { clock, log }),
      );
      this.upstreams.set(name, replicas);
      aggregated.push({
        naming: {
          name,
          namespace: { prefix: upstream.prefix, separator: config.namespace.separator },
          allow: upstream.tools.allow,
          deny: upstream.tools.deny,
        },
        connections: replicas,
      });
    }
    this.pins = createPinning(config, options.configFile ?? '<inline>', log, options.pinStore, this.channels.guard);
    this.aggregator = new Aggregator(aggregated, { clock, log, ...(this.pins && { toolGate: this.pins.pinning }) });
    this.inputBridge = new InputBridge({ clock, ...config.server.inputBridge });
    this.isolation = new Isolation(config, { clock, log, sessionLog: (id, params) => deliverSessionLog(this.layer.sessions, id, params) });
    this.access = new AccessControl(config, this.channels);
    this.pipelines = new PipelineCompiler(
      config,
      // An isolated upstream's calls use the caller's own connection; lists stay on the shared one.
      observeAttempts(
        createDispatch(
          (upstream, replica, ctx) => this.isolation.connection(upstream, replica, ctx) ?? this.upstreams.get(upstream)?.[replica ?? 0],
          this.inputBridge,
        ),
        this.channels,
        clock,
        this.#attemptHooks,
      ),
      {
        clock,
        log,
        toolAnnotations: toolAnnotationsFrom(this.aggregator),
        // Schema validation reads each tool's definition; guard decisions go to the `guard` channel.
        toolDefinition: toolDefinitionFrom(this.aggregator),
        guardEvents: this.channels.guard,
        front: (route) => this.access.policiesFor(route),
        ...(this.audit && { first: this.audit.gate }),
      },
    );
    // List changes recompile tool pipelines and invalidate caches; an upstream 'down' opens its breaker.
    this.#unwire = wireResilience({ aggregator: this.aggregator, pipelines: this.pipelines, upstreams: this.upstreams, log });
    const unbridge = [bridgeResilience(this.channels, this.pipelines.resilience), bridgeUpstreams(this.channels, this.upstreams)];
    this.#unobserve = () => unbridge.forEach((off) => off());
    const bounds = config.server.sessions;
    const sessions = new SessionStore({
      idleTimeoutMs: bounds.idleTimeoutMs,
      maxSessions: bounds.maxSessions,
      maxPerClient: bounds.maxPerClient,
      maxStreams: bounds.maxStreams,
      limits: bounds,
      clock,
      // Every way a session ends (DELETE, idle, capacity, shutdown) releases its upstream subscriptions.
      onEvict: (session, reason) => {
        hub.sessionClosed(session.subscriptions);
        this.isolation.sessionClosed(session.id);
        publishSession(this.channels, session, 'close', reason);
      },
      onOpen: (session) => publishSession(this.channels, session, 'open'),
    });
    const hub: SubscriptionHub = new SubscriptionHub(this.aggregator, sessions, log, { clock, lists: this.access.lists });
    const info: GatewayInfo = { serverInfo: { name: config.server.name, version: VERSION }, instructions: () => this.#instructions() };
    const dispatcher = new Dispatcher({
      aggregator: this.aggregator,
      pipelines: this.pipelines,
      hub,
      info,
      clock,
      log,
      cacheHints: { ttlMs: 0, cacheScope: 'private' },
      listWaitMs: 10_000,
      channels: this.channels,
      listPageSize: config.server.listPageSize,
      ...(this.access.lists && { lists: this.access.lists }),
    });
    this.layer = new SessionLayer(sessions, dispatcher, hub, info, log, config.server.limits);
    const cacheStore = this.pipelines.resilience.cacheStore as Partial<{ bytes: number; size: number }>;
    const state = gatewayState({
      config,
      upstreams: this.upstreams,
      resilience: this.pipelines.resilience,
      sessions: () => this.layer.sessions,
      cache: () => (typeof cacheStore.bytes === 'number' ? { bytes: cacheStore.bytes, entries: cacheStore.size ?? 0 } : undefined),
    });
    this.operations = new Operations({
      config,
      log,
      channels: this.channels,
      state,
      readiness: () => this.readiness(),
      attemptHooks: this.#attemptHooks,
      ...(options.spanExporter && { spanExporter: options.spanExporter }),
    });
  }

  /** Starts upstreams and the aggregate (and, unless `listen` is false, the HTTP listener). */
  async start(listen = true): Promise<void> {
    const { config, log } = this.options;
    this.layer.hub.start();
    this.aggregator.start();
    if (this.pins) this.#unwatchPins ??= watchPins(this.pins, this.aggregator, config.pinning.pollMs, log);
    // Upstreams first: their spawn and handshake overlap the listener's start (cold start).
    for (const [name, replicas] of this.upstreams)
      for (const r of replicas)
        r.start().catch((err: unknown) => {
          this.aggregator.giveUp(name);
          log.warn({ upstream: name, err: err instanceof Error ? err.message : String(err) }, 'upstream failed to start');
        });
    try {
      await this.operations.start(!listen);
    } catch (err) {
      // e.g. the admin port is taken: stop the children we just started rather than orphan them.
      await this.stop();
      throw err;
    }
    if (!listen) return;
    const streams = new StreamRegistry(config.server.streams, this.options.clock ?? systemClock);
    const auth = (this.#auth = wireAuth(config, {
      clock: this.options.clock ?? systemClock,
      log,
      channels: this.channels,
      configFile: this.options.configFile ?? '<inline>',
      keyStore: this.options.keyStore,
    }));
    const endpoint = new McpEndpoint(this.layer, config.server.maxBodyBytes, auth.principalOf, streams);
    this.#sse = config.server.legacySse.enabled ? this.#legacySse() : undefined;
    this.#http = new HttpServer(
      {
        host: config.server.host,
        port: config.server.port,
        path: config.server.path,
        allowedHosts: config.server.allowedHosts,
        allowedOrigins: config.server.allowedOrigins,
        timeouts: config.server.timeouts,
        maxConnections: config.server.maxConnections,
        maxStreamBufferBytes: config.server.limits.maxStreamBufferBytes,
        log,
        clock: this.options.clock,
        readiness: () => this.readiness(),
        edge: auth.edge,
        ...(auth.tls && { tls: auth.tls }),
        ...(auth.acceptAddress && { acceptAddress: auth.acceptAddress }),
      },
      endpoint,
      this.#sse,
    );
    try {
      this.#address = await this.#http.listen();
      auth.watch(this.#http.server);
    } catch (err) {
      // e.g. EADDRINUSE: stop the children we just started rather than orphan them.
      this.#http = undefined;
      await this.stop();
      throw err;
    }
  }

  /** The node:http server of the listener, once listening (diagnostics; tests observe its responses). */
  get listener(): Server | undefined {
    return this.#http?.server;
  }

  /** The MCP endpoint URL (after start). */
  get url(): string {
    const a = this.#address;
    if (!a) throw new Error('gateway not listening');
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `${this.options.config.server.tls ? 'https' : 'http'}://${host}:${a.port}${this.options.config.server.path}`;
  }

  /**
   * Ready when not draining and every required upstream (`required`, default true) has a ready replica;
   * details per component: config, each upstream and replica (state, breaker), event-loop lag. The
   * details also name refused upstream lists (`lists`) and resource URIs several upstreams list
   * (`sharedResources`): problems to fix, which never make the gateway unready.
   */
  readiness(): { ready: boolean; details: Record<string, unknown> } {
    const { lists, sharedResources } = this.aggregator.health.details();
    return this.operations.readiness.report(this.layer.draining, {
      sessions: this.layer.sessions.size,
      ...(Object.keys(lists).length > 0 && { lists }),
      ...(Object.keys(sharedResources).length > 0 && { sharedResources }),
    });
  }

  /**
   * What the gateway holds right now: sessions, HTTP requests in progress, upstream requests awaiting a
   * response. The hostile-input suite and the soak read it to prove nothing leaks.
   */
  counts(): { sessions: number; httpActive: number; upstreamInFlight: number } {
    let upstreamInFlight = 0;
    for (const replicas of this.upstreams.values()) for (const r of replicas) upstreamInFlight += r.inFlight;
    upstreamInFlight += this.isolation.counts().inFlight;
    return { sessions: this.layer.sessions.size, httpActive: this.#http?.activeRequests ?? 0, upstreamInFlight };
  }

  /**
   * Graceful stop: refuse new work, let in-flight calls finish up to the drain deadline, then close
   * sessions, connections and upstreams (reaping child process trees). Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const { log, config } = this.options;
      this.layer.startDrain();
      this.#http?.stopAccepting();
      const wait = config.server.drainTimeoutMs;
      // Calls from 2024-11-05 SSE callers answer on their stream, not on the POST: they drain separately.
      const drained = (await Promise.all([this.#http?.idle(wait) ?? true, this.#sse?.idle(wait) ?? true])).every(Boolean);
      if (!drained) {
        log.warn({ active: this.#http?.activeRequests }, 'drain deadline reached; answering remaining calls with GW_SHUTTING_DOWN');
        // Every call cut here still gets an answer with its id before its connection closes.
        await this.#http?.cutInFlight();
      }
      this.#http?.endStreams();
      this.layer.sessions.closeAll();
      this.layer.hub.stop();
      this.aggregator.stop();
      this.#unwatchPins?.();
      this.inputBridge.close();
      this.#unwire();
      this.#unobserve();
      this.#http?.destroyAll();
      await Promise.allSettled([...[...this.upstreams.values()].flat().map((u) => u.close()), this.isolation.close()]);
      // After the drain: every call that ran has its final record; close writes the signed stop checkpoint.
      await this.audit?.close();
      await new Promise<void>((r) => (this.#http ? this.#http.server.close(() => r()) : r()));
      this.#auth?.close();
      await this.operations.stop();
      if (this.pins?.owned) await this.pins.store.close();
    })();
    return this.#stopping;
  }

  #legacySse(): LegacySseEndpoint {
    const { server } = this.options.config;
    return new LegacySseEndpoint(this.layer, {
      basePath: legacySsePaths(server.path).basePath,
      maxBodyBytes: server.maxBodyBytes,
      maxConnections: server.sessions.maxStreams,
      maxPerClient: server.sessions.maxPerClient,
      idleTimeoutMs: server.sessions.idleTimeoutMs,
      keepAliveMs: 15_000,
      clock: this.options.clock ?? systemClock,
      log: this.options.log,
      ...(this.#auth?.principalOf && { authenticate: this.#auth.principalOf }),
    });
  }

  /**
   * Every upstream's instructions, rewritten to the names callers see (see mergeInstructions). Asked at
   * every initialize and server/discover: rebuilt only when a text or a tool/prompt table changed.
   */
  #instructions(): string | undefined {
    const texts: [string, string][] = [];
    for (const [name, replicas] of this.upstreams) {
      const text = replicas[0]?.info?.instructions;
      if (text) texts.push([name, text]);
    }
    const { tools, prompts } = this.aggregator;
    const key = JSON.stringify(texts);
    const cached = this.#instructionsCache;
    if (cached?.key === key && cached.tools === tools && cached.prompts === prompts) return cached.value;
    const { config } = this.options;
    const value = mergeInstructions(
      texts.map(([upstream, text]) => ({
        upstream,
        text,
        namespace: { prefix: config.upstreams[upstream]?.prefix ?? '', separator: config.namespace.separator },
        renamed: renamedOf(upstream, [tools, prompts]),
      })),
    );
    this.#instructionsCache = { key, tools, prompts, value };
    return value;
  }
}
