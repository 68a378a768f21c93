import type { Clock, Logger } from '../core/index.js';
import type { BreakwaterConfig, UpstreamConfig } from '../config/index.js';
import type { CallContext } from '../pipeline/index.js';
import { logLevelAtLeast, notification } from '../protocol/index.js';
import { raceSignal } from '../resilience/index.js';
import type { SessionStore } from '../session/index.js';
import { createUpstreamConnection, IsolatedPool, type UpstreamConnection } from '../upstream/index.js';
import { upstreamSpecs } from './upstream-specs.js';

/** What the isolation wiring needs from the rest of the gateway. */
export interface IsolationDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** A log message an isolated connection sent outside any call: it can only be its own session's. */
  readonly sessionLog?: (sessionId: string, params: Record<string, unknown>) => void;
}

interface Isolated {
  readonly mode: 'per-session' | 'per-principal';
  readonly pool: IsolatedPool;
  readonly replicas: number;
}

const SESSION = 'session:';

/**
 * The pools of the upstreams configured with `isolation: per-session | per-principal`. Calls to such an
 * upstream go over the caller's own connection (lists, subscriptions and health stay on the shared one),
 * so every server→client request on it has exactly one possible owner.
 */
export class Isolation {
  readonly #upstreams = new Map<string, Isolated>();

  constructor(config: BreakwaterConfig, deps: IsolationDeps) {
    for (const [name, upstream] of Object.entries(config.upstreams)) {
      if (!upstream.enabled || upstream.isolation === 'shared') continue;
      this.#upstreams.set(name, { mode: upstream.isolation, pool: isolatedPool(name, upstream, deps), replicas: replicaCount(upstream) });
    }
  }

  /** The pool of an isolated upstream (diagnostics, tests); undefined for a shared one. */
  pool(upstream: string): IsolatedPool | undefined {
    return this.#upstreams.get(upstream)?.pool;
  }

  /**
   * The caller's own connection for this call, or undefined when the upstream is shared. Throws
   * GW_OVERLOADED when its pool is full. A connection not yet through its first handshake is returned
   * once it is (bounded by the call's signal): dispatch reads the upstream's era from it.
   */
  connection(
    upstream: string,
    replica: number | undefined,
    ctx: CallContext,
  ): UpstreamConnection | Promise<UpstreamConnection> | undefined {
    if (this.#upstreams.size === 0) return undefined;
    const isolated = this.#upstreams.get(upstream);
    if (isolated === undefined) return undefined;
    const connection = isolated.pool.acquire(poolKey(callerKey(isolated.mode, ctx), replica ?? 0, isolated.replicas));
    if (connection.info !== undefined) return connection;
    return raceSignal(connection.start(), ctx.signal).then(() => connection);
  }

  /** A legacy session ended (DELETE, idle, capacity, shutdown): its connections close now. */
  sessionClosed(sessionId: string): void {
    for (const { mode, pool, replicas } of this.#upstreams.values()) {
      if (mode !== 'per-session') continue;
      for (let r = 0; r < replicas; r++) void pool.release(poolKey(SESSION + sessionId, r, replicas));
    }
  }

  /** Connections open and requests in flight over them, across every pool. */
  counts(): { connections: number; inFlight: number } {
    let connections = 0;
    let inFlight = 0;
    for (const { pool } of this.#upstreams.values()) {
      connections += pool.size;
      inFlight += pool.inFlight;
    }
    return { connections, inFlight };
  }

  /** Closes every pooled connection (gateway stop). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#upstreams.values()].map(({ pool }) => pool.close()));
  }
}

/** Delivers a log an isolated connection sent outside any call to its session, if the session asked for that level. */
export function deliverSessionLog(sessions: SessionStore, sessionId: string, params: Record<string, unknown>): void {
  // Not sessions.get(): that touches the session, and an upstream's chatter must not keep it alive.
  for (const session of sessions.values()) {
    if (session.id !== sessionId) continue;
    const level = typeof params.level === 'string' ? params.level : 'info';
    if (session.logLevel !== undefined && logLevelAtLeast(level, session.logLevel))
      session.standalone?.(notification('notifications/message', params));
    return;
  }
}

/**
 * Who a call belongs to. A modern caller has no session: under per-session it gets its principal's
 * connection (a child per call would add a process start to every call and still not tie calls together).
 */
function callerKey(mode: Isolated['mode'], ctx: CallContext): string {
  if (mode === 'per-session' && ctx.sessionId !== undefined) return SESSION + ctx.sessionId;
  return `principal:${ctx.principal.kind}:${ctx.principal.id}`;
}

/** A replicated upstream gives a caller one connection per replica it is routed to. */
function poolKey(caller: string, replica: number, replicas: number): string {
  return replicas > 1 ? `${caller}#${replica}` : caller;
}

function replicaCount(upstream: UpstreamConfig): number {
  return upstreamSpecs('_', upstream).length;
}

function isolatedPool(name: string, upstream: UpstreamConfig, deps: IsolationDeps): IsolatedPool {
  // No health check per caller: the shared connection's probe speaks for the upstream.
  const specs = upstreamSpecs(name, upstream);
  return new IsolatedPool({
    name,
    max: upstream.isolationPool.max,
    idleTimeoutMs: upstream.isolationPool.idleTimeoutMs,
    clock: deps.clock,
    log: deps.log,
    create: (key) => {
      const replica = specs.length > 1 ? Number(key.slice(key.lastIndexOf('#') + 1)) : 0;
      const connection = createUpstreamConnection(specs[replica]!, { clock: deps.clock, log: deps.log });
      const sessionLog = deps.sessionLog;
      if (sessionLog !== undefined && key.startsWith(SESSION)) {
        const sessionId = (specs.length > 1 ? key.slice(0, key.lastIndexOf('#')) : key).slice(SESSION.length);
        // Lists and resource updates come from the shared connection; only logs are the session's own.
        connection.events.on('notification', (n) => {
          if (n.method === 'notifications/message' && n.params !== undefined) sessionLog(sessionId, n.params);
        });
      }
      return connection;
    },
  });
}
