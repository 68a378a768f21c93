import { DEFAULT_MAX_JSON_DEPTH } from '../core/index.js';
import type { UpstreamAuthSpec } from './oauth/auth-spec.js';
import type { SandboxSpec } from './sandbox.js';

/** Restart policy of a supervised upstream (stdio child, SSE stream, HTTP handshake); unset fields take the kind's defaults. */
export interface RestartOptions {
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly factor?: number;
  /** More than this many restarts within `windowMs` is a crash loop: state 'down', no more restarts. */
  readonly maxRestarts?: number;
  readonly windowMs?: number;
}

/** Active health check of a ready upstream (HTTP upstreams otherwise look 'ready' while the server is down). */
export interface HealthCheckOptions {
  /** Time between probes; 0 turns the check off. */
  readonly intervalMs: number;
  /** Bound on one probe. */
  readonly timeoutMs: number;
  /** 'ping' (legacy; modern upstreams have no ping and get a list request) or a cheap list request. */
  readonly method: 'ping' | 'list';
}

/** How to reach one upstream MCP server (one replica). */
export interface UpstreamSpec {
  readonly name: string;
  readonly kind: 'stdio' | 'streamable-http' | 'sse';
  /** stdio: the program and its arguments (argv, never a shell line). */
  readonly command?: string;
  readonly args?: readonly string[];
  /** stdio: merged over a small inherited allowlist (PATH, HOME, ...); nothing else is inherited. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** HTTP kinds: the MCP endpoint (streamable-http) or the SSE stream URL (sse). */
  readonly url?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Streamable HTTP: the gateway's own OAuth credentials for this upstream (sent as `Authorization: Bearer`). */
  readonly auth?: UpstreamAuthSpec;
  /**
   * Protocol era; 'auto' probes with server/discover once and caches the verdict. 'dual' probes too, and
   * when the server is modern, legacy callers get a second, legacy link of their own (docs/adr/0002).
   */
  readonly era?: 'auto' | 'dual' | 'legacy' | 'modern';
  readonly restart?: RestartOptions;
  /** Largest upstream message accepted (default 16 MiB); bigger ones are protocol errors. */
  readonly maxMessageBytes?: number;
  /** Deepest nesting of arrays/objects accepted in an upstream message (default 128); deeper ones are protocol errors. */
  readonly maxJsonDepth?: number;
  /** Capabilities declared upstream; they decide which tools a server offers. */
  readonly clientCapabilities?: Record<string, unknown>;
  /**
   * Roots the gateway answers `roots/list` with when no caller can be attributed (or the caller did
   * not declare roots). Present (even empty) ⇒ the `roots` capability is declared upstream.
   */
  readonly roots?: readonly Root[];
  /** Bound on one connect + handshake (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** stdio: SIGTERM → SIGKILL grace on stop (default 2 s). */
  readonly killGraceMs?: number;
  /** HTTP kinds: most sockets to the upstream (default 128). */
  readonly maxConnections?: number;
  /** Periodic liveness probe; consecutive failures report the upstream 'down' (off when absent). */
  readonly healthCheck?: HealthCheckOptions;
  /** stdio: run the child under bubblewrap with resource limits (see sandbox.ts); absent: not sandboxed. */
  readonly sandbox?: SandboxSpec;
}

/** One root (a `file://` URI the server may work in) as `roots/list` returns it. */
export interface Root {
  readonly uri: string;
  readonly name?: string;
}

/** The minimal (pino-compatible) logger the upstream layer writes to. */
export interface UpstreamLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Client identity sent in `initialize` and the modern envelope. */
export const CLIENT_INFO = Object.freeze({ name: 'breakwater', version: '0.1.0' });

/**
 * Declared upstream by default: the client features the gateway relays to its callers, so the upstream
 * offers its full tool set. Not `roots`: the gateway declares it only where it can always answer
 * (configured roots, see {@link clientCapabilitiesFor}).
 */
export const DEFAULT_CLIENT_CAPABILITIES: Readonly<Record<string, unknown>> = Object.freeze({
  sampling: {},
  elicitation: { form: {}, url: {} },
});

/** The capabilities declared to one upstream: the spec's own, else the defaults plus `roots` when roots are configured. */
export function clientCapabilitiesFor(spec: Pick<UpstreamSpec, 'clientCapabilities' | 'roots'>): Record<string, unknown> {
  if (spec.clientCapabilities !== undefined) return spec.clientCapabilities;
  return spec.roots === undefined ? { ...DEFAULT_CLIENT_CAPABILITIES } : { ...DEFAULT_CLIENT_CAPABILITIES, roots: { listChanged: true } };
}

/** Defaults merged under every spec. */
export const UPSTREAM_DEFAULTS = Object.freeze({
  maxMessageBytes: 16 * 1024 * 1024,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
  connectTimeoutMs: 10_000,
  killGraceMs: 2_000,
  maxConnections: 128,
  /** stdio children: a crashing child is usually broken, so give up fast (5 restarts in a minute, ~3 s of crashes). */
  restart: Object.freeze({ initialDelayMs: 100, maxDelayMs: 10_000, factor: 2, maxRestarts: 5, windowMs: 60_000 }),
  /**
   * HTTP and SSE upstreams: an outage is usually the network or a redeploy, so retry longer and gentler:
   * from 1 s up to every 30 s, 20 reconnects in 10 min (4 to 8 minutes of outage, with jitter, before 'down').
   */
  networkRestart: Object.freeze({ initialDelayMs: 1_000, maxDelayMs: 30_000, factor: 2, maxRestarts: 20, windowMs: 600_000 }),
  /** Consecutive failed health probes before an upstream is reported 'down'. */
  healthFailuresToDown: 2,
  /** Quiet time that coalesces resource (un)subscriptions into one new modern listen stream. */
  listenDebounceMs: 25,
});

/** The restart policy with every field filled. */
export type ResolvedRestart = Required<RestartOptions>;

/** Fills the restart policy's defaults, which depend on the kind (a network upstream retries longer than a child). */
export function resolveRestart(options: RestartOptions | undefined, kind: UpstreamSpec['kind'] = 'stdio'): ResolvedRestart {
  const defaults = kind === 'stdio' ? UPSTREAM_DEFAULTS.restart : UPSTREAM_DEFAULTS.networkRestart;
  return { ...defaults, ...stripUndefined(options ?? {}) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
