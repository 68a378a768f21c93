import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../core/index.js';
import { GatewayError } from '../errors/index.js';
import { DEFAULT_SESSION_LIMITS, LegacySession, type MessageWriter, type SessionLimits } from './legacy-session.js';

export type EvictReason = 'idle' | 'capacity' | 'deleted' | 'shutdown';

export interface SessionStoreOptions {
  readonly idleTimeoutMs: number;
  readonly maxSessions: number;
  /** Most sessions one client (principal, else remote address) may hold. */
  readonly maxPerClient?: number;
  /** Most GET streams open at once, across sessions. */
  readonly maxStreams?: number;
  readonly limits?: SessionLimits;
  readonly clock: Clock;
  readonly onEvict?: (session: LegacySession, reason: EvictReason) => void;
  /** Called when a session is created (observability: session open). */
  readonly onOpen?: (session: LegacySession) => void;
}

/** What `create` needs beyond the handshake itself. */
export interface Admission {
  /** Admission key: `principal:<id>` or `address:<ip>`. */
  readonly client: string;
  /** Size in bytes of the `initialize` request text. */
  readonly stateBytes: number;
}

/** Wait suggested to a caller refused for capacity: about one idle sweep. */
const RETRY_AFTER_MS = 1000;

/**
 * The legacy sessions of this process, bounded in number, per client, in idle time and in state.
 * Admission protects established sessions: when full, only a session that never made a request after
 * `initialize` (the oldest such) makes room; otherwise the new one is refused (503). So a flood of
 * handshakes churns through its own unused sessions and never logs out a caller that is working.
 * Design: docs/adr/0005-slow-callers-and-admission.md.
 */
export class SessionStore {
  #sessions = new Map<string, LegacySession>();
  /** Sessions not yet established, oldest first (Map order): the only ones capacity may evict. */
  #fresh = new Map<string, LegacySession>();
  #perClient = new Map<string, number>();
  #streams = 0;
  #options: SessionStoreOptions;
  #limits: SessionLimits;
  #sweeper: TimerHandle | undefined;

  constructor(options: SessionStoreOptions) {
    this.#options = options;
    const l = options.limits ?? DEFAULT_SESSION_LIMITS;
    this.#limits = Object.freeze({
      maxStateBytes: l.maxStateBytes,
      maxInFlight: l.maxInFlight,
      maxPendingClientRequests: l.maxPendingClientRequests,
      maxSubscriptions: l.maxSubscriptions,
    });
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Open GET streams. */
  get streams(): number {
    return this.#streams;
  }

  /** Creates a session for an `initialize`; ids are random UUIDs (visible ASCII, unguessable). */
  create(
    protocolVersion: string,
    capabilities: Record<string, unknown>,
    clientInfo: Record<string, unknown> | undefined,
    admission: Admission = { client: 'local', stateBytes: 0 },
  ): LegacySession {
    const { client, stateBytes } = admission;
    const { maxStateBytes } = this.#limits;
    if (stateBytes > maxStateBytes)
      throw new GatewayError('GW_LIMIT_EXCEEDED', `initialize is larger than ${maxStateBytes} bytes (server.sessions.maxStateBytes)`, {
        data: { limit: 'server.sessions.maxStateBytes', max: maxStateBytes },
      });
    const maxPerClient = this.#options.maxPerClient ?? Infinity;
    if ((this.#perClient.get(client) ?? 0) >= maxPerClient)
      throw new GatewayError('GW_OVERLOADED', `Session limit per client reached (server.sessions.maxPerClient = ${maxPerClient})`, {
        data: { limit: 'server.sessions.maxPerClient', max: maxPerClient, retryAfterMs: RETRY_AFTER_MS },
      });
    if (this.#sessions.size >= this.#options.maxSessions && !this.#evictOldestFresh())
      throw new GatewayError('GW_OVERLOADED', `Session limit reached (server.sessions.maxSessions = ${this.#options.maxSessions})`, {
        data: { limit: 'server.sessions.maxSessions', max: this.#options.maxSessions, retryAfterMs: RETRY_AFTER_MS },
      });
    const session = new LegacySession({
      id: randomUUID(),
      protocolVersion,
      capabilities,
      clientInfo,
      client,
      stateBytes,
      limits: this.#limits,
      now: this.#options.clock.now(),
    });
    this.#sessions.set(session.id, session);
    this.#fresh.set(session.id, session);
    this.#perClient.set(client, (this.#perClient.get(client) ?? 0) + 1);
    this.#schedule();
    this.#options.onOpen?.(session);
    return session;
  }

  /** The live session for an id, touched; undefined when unknown, expired or deleted. */
  get(id: string): LegacySession | undefined {
    const session = this.#sessions.get(id);
    if (session) session.lastSeen = this.#options.clock.now();
    return session;
  }

  /** Marks a session as working (a request after initialize, or a GET stream): capacity never evicts it. */
  establish(session: LegacySession): void {
    if (session.established) return;
    session.established = true;
    this.#fresh.delete(session.id);
  }

  /**
   * Attaches a GET stream to `session` (which must have none), counted against `maxStreams`; returns
   * the function that detaches it when the response closes. Closing the session calls `end`.
   */
  openStream(session: LegacySession, write: MessageWriter, end: () => void): () => void {
    const max = this.#options.maxStreams ?? Infinity;
    if (this.#streams >= max)
      throw new GatewayError('GW_OVERLOADED', `Too many open GET streams (server.sessions.maxStreams = ${max})`, {
        data: { limit: 'server.sessions.maxStreams', max, retryAfterMs: RETRY_AFTER_MS },
      });
    this.#streams++;
    this.establish(session);
    session.attachStream(write, end);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.#streams--;
      session.detachStream(write);
      // The stream was activity until now: the idle clock restarts when it closes.
      session.lastSeen = this.#options.clock.now();
    };
  }

  delete(id: string, reason: EvictReason = 'deleted'): boolean {
    const session = this.#sessions.get(id);
    if (!session) return false;
    this.#sessions.delete(id);
    this.#fresh.delete(id);
    const held = (this.#perClient.get(session.client) ?? 1) - 1;
    if (held > 0) this.#perClient.set(session.client, held);
    else this.#perClient.delete(session.client);
    session.close();
    this.#options.onEvict?.(session, reason);
    return true;
  }

  /** Every live session (list_changed fan-out). */
  values(): IterableIterator<LegacySession> {
    return this.#sessions.values();
  }

  /** Evicts sessions idle for longer than the timeout; busy sessions and open streams count as activity. */
  sweep(): void {
    const cutoff = this.#options.clock.now() - this.#options.idleTimeoutMs;
    for (const session of this.#sessions.values()) {
      if (session.lastSeen < cutoff && !session.busy && !session.standalone) this.delete(session.id, 'idle');
    }
  }

  closeAll(): void {
    for (const id of [...this.#sessions.keys()]) this.delete(id, 'shutdown');
    if (this.#sweeper) this.#options.clock.clearTimeout(this.#sweeper);
    this.#sweeper = undefined;
  }

  // Through the layer a fresh session is never busy and has no stream (either establishes it), so this
  // stops at the first entry; the checks only guard direct use of the store.
  #evictOldestFresh(): boolean {
    for (const session of this.#fresh.values()) if (!session.busy && !session.standalone) return this.delete(session.id, 'capacity');
    return false;
  }

  #schedule(): void {
    if (this.#sweeper) return;
    const every = Math.max(1000, Math.min(60_000, this.#options.idleTimeoutMs / 4));
    this.#sweeper = this.#options.clock.setTimeout(() => {
      this.#sweeper = undefined;
      this.sweep();
      if (this.#sessions.size > 0) this.#schedule();
    }, every);
    this.#sweeper.unref?.();
  }
}
