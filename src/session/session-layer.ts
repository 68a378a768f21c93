import type { Logger } from '../core/index.js';
import { clip, DEFAULT_MAX_JSON_DEPTH } from '../core/index.js';
import { GatewayError, toJsonRpcError } from '../errors/index.js';
import type { Principal } from '../pipeline/index.js';
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, RequestId } from '../protocol/index.js';
import { failure, success } from '../protocol/index.js';
import type { CallerScope } from './caller-scope.js';
import type { Dispatcher } from './dispatcher.js';
import { GATEWAY_CAPABILITIES, negotiateLegacyVersion, type GatewayInfo } from './gateway-info.js';
import type { LegacySession, MessageWriter } from './legacy-session.js';
import type { Admission, SessionStore } from './session-store.js';
import type { ListenFilter, SubscriptionHub } from './subscription-hub.js';

/** Limits on what callers send, applied by both transports where caller JSON enters (`server.limits`). */
export interface CallerLimits {
  readonly maxJsonDepth: number;
}

/** The session layer as transports see it: sessions, requests, notifications and responses from callers. */
export class SessionLayer {
  #draining = false;

  constructor(
    readonly sessions: SessionStore,
    readonly dispatcher: Dispatcher,
    readonly hub: SubscriptionHub,
    private readonly info: GatewayInfo,
    private readonly log: Logger,
    readonly limits: CallerLimits = { maxJsonDepth: DEFAULT_MAX_JSON_DEPTH },
  ) {}

  /**
   * Legacy `initialize`: a new session and the handshake result. `admission` names the client (for the
   * per-client cap) and the request's size (the session's state bound); admission may refuse (503).
   */
  initialize(req: JsonRpcRequest, admission?: Admission): { session: LegacySession; response: JsonRpcResponse } {
    if (this.#draining) throw new GatewayError('GW_SHUTTING_DOWN', 'The gateway is shutting down');
    const params = req.params ?? {};
    const version = negotiateLegacyVersion(params.protocolVersion);
    // Capabilities are kept whole (modern upstreams receive them per call); clientInfo only feeds logs.
    const caps = isObject(params.capabilities) ? params.capabilities : {};
    const session = this.sessions.create(version, caps, clientSummary(params.clientInfo), admission);
    const instructions = this.info.instructions();
    const result = {
      protocolVersion: version,
      capabilities: GATEWAY_CAPABILITIES,
      serverInfo: this.info.serverInfo,
      ...(instructions ? { instructions } : {}),
    };
    this.log.debug({ session: session.id, protocolVersion: version, client: session.clientInfo }, 'session initialized');
    return { session, response: success(req.id, result) };
  }

  /** A scope for a legacy caller request on one response stream. */
  legacyScope(session: LegacySession, principal: Principal, write: MessageWriter, controller: AbortController): CallerScope {
    return {
      era: 'legacy',
      protocolVersion: session.protocolVersion,
      capabilities: session.capabilities,
      session,
      principal,
      write,
      signal: controller.signal,
      controller,
      logLevel: undefined,
    };
  }

  /**
   * Runs a request (either era). A legacy request is tracked in its session for its whole life, so
   * `notifications/cancelled` reaches it and a second request with the same id is refused.
   */
  handle(req: JsonRpcRequest, scope: CallerScope): Promise<JsonRpcResponse> {
    if (this.#draining && req.method !== 'ping')
      return Promise.resolve(failure(req.id, toJsonRpcError(new GatewayError('GW_SHUTTING_DOWN', 'The gateway is shutting down'))));
    const session = scope.session;
    if (session === undefined) return this.dispatcher.handle(req, scope);
    let untrack: () => void;
    try {
      untrack = session.track(req.id, scope.controller);
    } catch (err) {
      return Promise.resolve(failure(req.id, toJsonRpcError(err)));
    }
    this.sessions.establish(session);
    // Untracked before the response is written: the caller may reuse the id as soon as it sees it.
    return this.dispatcher.handle(req, scope).finally(untrack);
  }

  /** Attaches a legacy session's GET stream (bounded by `maxStreams`); returns its detach function. */
  openStream(session: LegacySession, write: MessageWriter, end: () => void): () => void {
    return this.sessions.openStream(session, write, end);
  }

  /** A caller notification: cancellation, initialized, roots changed. */
  notify(message: JsonRpcNotification, session: LegacySession | undefined): void {
    if (message.method === 'notifications/cancelled') {
      const id = message.params?.requestId;
      if (session && (typeof id === 'string' || typeof id === 'number'))
        session.cancel(id as RequestId, typeof message.params?.reason === 'string' ? message.params.reason : undefined);
    }
    // Upstreams re-ask roots/list; those never told the gateway has roots do not hear of it. initialized: nothing to do.
    if (message.method === 'notifications/roots/list_changed') this.hub.rootsChanged();
  }

  /** A caller's response to a server→client request. */
  respond(message: JsonRpcResponse, session: LegacySession): boolean {
    return session.resolve(message);
  }

  /** Modern `subscriptions/listen` (`logLevel`: its `_meta` log level, for upstream logs tied to no call; `principal`: whose list views). */
  listen(
    id: RequestId,
    filter: ListenFilter,
    write: MessageWriter,
    signal: AbortSignal,
    logLevel?: string,
    principal?: Principal,
  ): Promise<void> {
    return this.hub.listen(id, filter, write, signal, logLevel, principal);
  }

  /** Ends a session (DELETE); its subscriptions are released by the store's onEvict, as on eviction. */
  end(id: string): boolean {
    return this.sessions.delete(id, 'deleted');
  }

  /** Refuses new sessions and calls from now on. */
  startDrain(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }
}

// Only what logs use, each field cut short: the rest of a caller's clientInfo is never read.
function clientSummary(info: unknown): Record<string, unknown> | undefined {
  if (!isObject(info)) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of ['name', 'title', 'version']) if (typeof info[key] === 'string') out[key] = clip(info[key], 128);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
