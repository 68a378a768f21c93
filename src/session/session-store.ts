import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../core/index.js';
import { GatewayError } from '../errors/index.js';
import { LegacySession } from './legacy-session.js';

export interface SessionStoreOptions {
  readonly idleTimeoutMs: number;
  readonly maxSessions: number;
  readonly clock: Clock;
  readonly onEvict?: (session: LegacySession, reason: 'idle' | 'capacity' | 'deleted' | 'shutdown') => void;
}

/**
 * The legacy sessions of this process, bounded in number and idle time. When full, the least recently
 * seen idle session makes room; if every session is busy, a new one is refused (503), never an old one
 * killed mid-call.
 */
export class SessionStore {
  #sessions = new Map<string, LegacySession>();
  #options: SessionStoreOptions;
  #sweeper: TimerHandle | undefined;

  constructor(options: SessionStoreOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Creates a session for an `initialize`; ids are random UUIDs (visible ASCII, unguessable). */
  create(protocolVersion: string, capabilities: Record<string, unknown>, clientInfo: Record<string, unknown> | undefined): LegacySession {
    if (this.#sessions.size >= this.#options.maxSessions && !this.#evictOldestIdle()) {
      throw new GatewayError('GW_OVERLOADED', `Session limit reached (${this.#options.maxSessions})`, { data: { retryAfterMs: 1000 } });
    }
    const session = new LegacySession(randomUUID(), protocolVersion, capabilities, clientInfo, this.#options.clock.now());
    this.#sessions.set(session.id, session);
    this.#schedule();
    return session;
  }

  /** The live session for an id, touched; undefined when unknown, expired or deleted. */
  get(id: string): LegacySession | undefined {
    const session = this.#sessions.get(id);
    if (session) session.lastSeen = this.#options.clock.now();
    return session;
  }

  delete(id: string, reason: 'deleted' | 'idle' | 'capacity' | 'shutdown' = 'deleted'): boolean {
    const session = this.#sessions.get(id);
    if (!session) return false;
    this.#sessions.delete(id);
    session.close();
    this.#options.onEvict?.(session, reason);
    return true;
  }

  /** Every live session (list_changed fan-out). */
  values(): IterableIterator<LegacySession> {
    return this.#sessions.values();
  }

  /** Evicts sessions idle for longer than the timeout; busy sessions and open GET streams count as activity. */
  sweep(): void {
    const cutoff = this.#options.clock.now() - this.#options.idleTimeoutMs;
    for (const session of this.#sessions.values()) {
      if (session.lastSeen < cutoff && !session.busy) this.delete(session.id, 'idle');
    }
  }

  closeAll(): void {
    for (const id of [...this.#sessions.keys()]) this.delete(id, 'shutdown');
    if (this.#sweeper) this.#options.clock.clearTimeout(this.#sweeper);
    this.#sweeper = undefined;
  }

  #evictOldestIdle(): boolean {
    let oldest: LegacySession | undefined;
    for (const s of this.#sessions.values()) if (!s.busy && (!oldest || s.lastSeen < oldest.lastSeen)) oldest = s;
    return oldest ? this.delete(oldest.id, 'capacity') : false;
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
