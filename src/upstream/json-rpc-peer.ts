import { clip, LogThrottle, onAbort, systemClock, type Clock } from '../core/index.js';
import { GatewayError, UpstreamRpcError } from '../errors/index.js';
import { META, type JsonRpcNotification, type JsonRpcRequest, type Params, type RequestId } from '../protocol/index.js';
import { serialise, type Channel, type MalformedInfo, type SendOptions } from './channel.js';
import { InboundRequests } from './inbound-requests.js';
import { CONNECTION_NOTIFICATIONS, guessId, progressTokenOf, type PeerStats } from './peer-routing.js';
import type { Root, UpstreamLogger } from './spec.js';
import { protocolError, reasonText, unavailable, unserialisable } from './upstream-errors.js';
import type { ServerRequestHandler, UpstreamRequestOptions } from './types.js';

/** One outgoing request waiting for its response. */
export interface PendingRequest {
  readonly id: number;
  readonly method: string;
  readonly options: UpstreamRequestOptions;
  readonly token: string | undefined;
  /** A `subscriptions/listen` stream: it owns only the notifications tagged with its id. */
  readonly listen: boolean;
  resolve(result: Record<string, unknown>): void;
  reject(err: unknown): void;
  disposeAbort: () => void;
}

/** Construction options of a JsonRpcPeer. */
export interface PeerOptions {
  readonly name: string;
  readonly log: UpstreamLogger;
  /** Unrelated notifications (list_changed, resources/updated, logs with no call to own them). */
  readonly onNotification: (message: JsonRpcNotification) => void;
  /** Handler for server→client requests that belong to no in-flight request. */
  readonly fallback: () => ServerRequestHandler | undefined;
  /** Configured roots: the `roots/list` answer when no caller can give it. */
  readonly roots?: readonly Root[];
  /** Paces the malformed-message warnings (an upstream can send millions); the system clock when absent. */
  readonly clock?: Clock;
}

/** Internal send flags (handshake traffic). */
export interface PeerSendFlags {
  readonly handshake?: boolean;
  /**
   * The request is a modern `subscriptions/listen`: notifications tagged with its id go to its
   * onNotification, and on uncorrelated channels (stdio) it never adopts untagged server messages,
   * which belong to the calls in flight beside it.
   */
  readonly listen?: boolean;
}

let tokenSeq = 0;
const RECENT_ABORTS = 1024;
const RECENT_LISTENS = 64;

/**
 * A bidirectional JSON-RPC endpoint over one Channel: ids, pending map, progress-token mapping,
 * cancellation, server→client requests. Incoming messages are dispatched synchronously in arrival
 * order, so progress sent right before a response reaches the caller before the result does.
 */
export class JsonRpcPeer {
  readonly stats: PeerStats = {
    lateResponses: 0,
    unknownResponses: 0,
    malformed: 0,
    strayProgress: 0,
    staleSubscription: 0,
    unattributedRequests: 0,
    unattributedNotifications: 0,
    ndjsonBodies: 0,
  };
  readonly #channel: Channel;
  readonly #opts: PeerOptions;
  readonly #pending = new Map<number, PendingRequest>();
  readonly #byToken = new Map<string, PendingRequest>();
  readonly #aborted = new Set<RequestId>();
  /** Listen streams that ended: notifications still tagged with them are duplicates of the successor's. */
  readonly #retiredListens = new Set<RequestId>();
  readonly #inbound: InboundRequests;
  /** One per peer: a flooding upstream costs a bounded number of log lines, and says how many it cost. */
  readonly #malformedLog: LogThrottle;
  #nextId = 0;
  #closedReason: string | undefined;
  #resolveClosed!: (reason: string) => void;
  /** Resolves with the reason the moment the channel closes (before any process reaping). */
  readonly whenClosed: Promise<string> = new Promise((resolve) => (this.#resolveClosed = resolve));
  /** `_meta` entries added to every request (the modern envelope); set after the handshake. */
  baseMeta: Record<string, unknown> | undefined;

  constructor(channel: Channel, options: PeerOptions) {
    this.#channel = channel;
    this.#opts = options;
    this.#inbound = new InboundRequests({ channel, log: options.log, upstream: options.name, stats: this.stats, roots: options.roots });
    this.#malformedLog = new LogThrottle(options.clock ?? systemClock);
    channel.setHandlers({
      message: (m, related) => this.#onMessage(m, related),
      malformed: (info) => this.#onMalformed(info),
      ndjsonBody: () => void this.stats.ndjsonBodies++,
      close: (reason, delivered) => this.failAll(reason, delivered !== false),
    });
  }

  /** Requests in flight (for drain and health). */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** True once the channel closed; every later request fails at once. */
  get closed(): boolean {
    return this.#closedReason !== undefined;
  }

  /** Sends a request; resolves with the raw result, rejects with UpstreamRpcError or GatewayError. */
  request(
    method: string,
    params: Params | undefined,
    options: UpstreamRequestOptions,
    flags?: PeerSendFlags,
  ): Promise<Record<string, unknown>> {
    const { signal } = options;
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#closedReason !== undefined) return Promise.reject(unavailable(this.#opts.name, this.#closedReason, false));
    const id = ++this.#nextId;
    const token = options.onProgress ? `bw-${++tokenSeq}` : undefined;
    const outParams = this.#withMeta(params, options.meta, token);
    const message: JsonRpcRequest =
      outParams === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: outParams };
    // Serialise before registering anything: a message that cannot be sent leaves no pending entry.
    let body: string;
    try {
      body = serialise(this.#opts.name, message);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const listen = flags?.listen === true;
      const p: PendingRequest = { id, method, options, token, listen, resolve, reject, disposeAbort: noop };
      this.#pending.set(id, p);
      if (token !== undefined) this.#byToken.set(token, p);
      p.disposeAbort = onAbort(signal, (reason) => this.#abort(p, reason));
      const send = {
        requestId: id,
        signal,
        body,
        handshake: flags?.handshake === true,
        answered: () => this.#pending.get(id) !== p,
        ...(options.headers && { headers: options.headers }),
      };
      this.#sendSafely(message, send).then(
        () => this.#exchangeEnded(p),
        (err: unknown) => this.#fail(p, err),
      );
    });
  }

  /** Sends a notification (resolves once handed to the channel). */
  notify(method: string, params?: Params, flags?: PeerSendFlags): Promise<void> {
    if (this.#closedReason !== undefined) return Promise.reject(unavailable(this.#opts.name, this.#closedReason, false));
    const message: JsonRpcNotification = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    let body: string;
    try {
      body = serialise(this.#opts.name, message);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#sendSafely(message, { body, handshake: flags?.handshake === true });
  }

  /** Rejects every pending request at once (channel closed or crashed). Idempotent. */
  failAll(reason: string, maybeExecuted = true): void {
    if (this.#closedReason !== undefined) return;
    this.#closedReason = reason;
    this.#resolveClosed(reason);
    for (const p of [...this.#pending.values()]) {
      this.#settle(p);
      p.reject(unavailable(this.#opts.name, reason, maybeExecuted));
    }
    this.#inbound.abortAll(reason);
    const suppressed = this.#malformedLog.flush();
    if (suppressed > 0) this.#opts.log.warn({ upstream: this.#opts.name, suppressed }, 'malformed upstream messages not logged');
  }

  /**
   * Hands a message to the channel as a promise whatever the channel does. A synchronous throw means it
   * failed before writing anything, and the only such work is serialising: reported as that, a caller
   * error, so it neither escapes the caller nor counts against the upstream.
   */
  #sendSafely(message: JsonRpcRequest | JsonRpcNotification, options: SendOptions): Promise<void> {
    try {
      return this.#channel.send(message, options);
    } catch (err) {
      return Promise.reject(err instanceof GatewayError ? err : unserialisable(this.#opts.name, err));
    }
  }

  #withMeta(params: Params | undefined, meta: Record<string, unknown> | undefined, token: string | undefined): Params | undefined {
    const base = this.baseMeta;
    if (base === undefined && meta === undefined && token === undefined) return params;
    const prior = params?._meta;
    const merged: Record<string, unknown> = typeof prior === 'object' && prior !== null ? { ...(prior as Record<string, unknown>) } : {};
    // The connection's envelope overrides the caller's keys; the gateway's explicit per-request meta
    // (the caller's capabilities, its log level) overrides the connection's defaults.
    if (base !== undefined) Object.assign(merged, base);
    if (meta !== undefined) Object.assign(merged, meta);
    if (token !== undefined) merged.progressToken = token;
    return { ...params, _meta: merged };
  }

  #settle(p: PendingRequest): void {
    this.#pending.delete(p.id);
    if (p.listen) {
      this.#retiredListens.add(p.id);
      if (this.#retiredListens.size > RECENT_LISTENS) this.#retiredListens.delete(this.#retiredListens.values().next().value as RequestId);
    }
    if (p.token !== undefined) this.#byToken.delete(p.token);
    p.disposeAbort();
    if (this.#inbound.size > 0) this.#inbound.ownerFinished(p.id, this.#sameCaller(p));
  }

  /**
   * Another call in flight of the caller that owns `p`: server→client requests raised while `p` ran
   * were that caller's, and stay with it while it has a call to answer them for.
   */
  #sameCaller(p: PendingRequest): number | undefined {
    const owner = p.options.owner;
    if (owner === undefined) return undefined;
    for (const q of this.#pending.values()) if (!q.listen && q.options.owner === owner && q.options.onRequest !== undefined) return q.id;
    return undefined;
  }

  #abort(p: PendingRequest, reason: unknown): void {
    if (this.#pending.get(p.id) !== p) return;
    this.#settle(p);
    this.#aborted.add(p.id);
    if (this.#aborted.size > RECENT_ABORTS) this.#aborted.delete(this.#aborted.values().next().value as RequestId);
    p.reject(reason);
    if (this.#closedReason !== undefined || this.#channel.cancelByAbort) return;
    const params = { requestId: p.id, reason: reasonText(reason) };
    this.#sendSafely({ jsonrpc: '2.0', method: 'notifications/cancelled', params }, {}).catch((err: unknown) => {
      this.#opts.log.debug({ upstream: this.#opts.name, err }, 'could not send notifications/cancelled');
    });
  }

  #fail(p: PendingRequest, err: unknown): void {
    if (this.#pending.get(p.id) !== p) return;
    this.#settle(p);
    p.reject(
      err instanceof GatewayError || err instanceof UpstreamRpcError ? err : unavailable(this.#opts.name, reasonText(err), true, err),
    );
  }

  /** A correlated exchange (HTTP POST) ended: a request still pending got no response on its stream. */
  #exchangeEnded(p: PendingRequest): void {
    // Almost always the response already settled it: build the error (and its stack) only when it did not.
    if (!this.#channel.correlated || this.#pending.get(p.id) !== p) return;
    this.#fail(p, unavailable(this.#opts.name, `response stream for ${p.method} ended without a response`, true));
  }

  #onMessage(raw: unknown, related: RequestId | undefined): void {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return this.#onMalformed({ reason: 'malformed', detail: 'not a JSON object', ...(related !== undefined && { related }) });
    const m = raw as Record<string, unknown>;
    if (m.jsonrpc !== '2.0') {
      // A wrong version on a response we are waiting for fails that request (R11); otherwise it is dropped.
      const p = 'id' in m && typeof m.id === 'number' && !('method' in m) ? this.#pending.get(m.id) : undefined;
      if (p !== undefined) {
        this.stats.malformed++;
        return this.#fail(p, protocolError(this.#opts.name, `the response to ${p.method} is not JSON-RPC 2.0`));
      }
      return this.#onMalformed({ reason: 'malformed', detail: 'not JSON-RPC 2.0', ...(related !== undefined && { related }) });
    }
    if (typeof m.method === 'string') {
      if ('id' in m) return this.#inbound.handle(m, this.#ownerFor(related, m.params, 'request'), this.#opts.fallback());
      return this.#onNotification(m as unknown as JsonRpcNotification, related);
    }
    if ('id' in m && ('result' in m || 'error' in m)) return this.#onResponse(m);
    this.#onMalformed({
      reason: 'malformed',
      detail: 'neither request, notification nor response',
      ...(related !== undefined && { related }),
    });
  }

  #onResponse(m: Record<string, unknown>): void {
    const id = m.id as RequestId;
    const p = typeof id === 'number' ? this.#pending.get(id) : undefined;
    if (p === undefined) {
      if (this.#aborted.delete(id)) this.stats.lateResponses++;
      else this.stats.unknownResponses++;
      return;
    }
    if ('error' in m) {
      const e = m.error as Record<string, unknown> | null;
      if (typeof e !== 'object' || e === null || typeof e.code !== 'number' || typeof e.message !== 'string') {
        this.stats.malformed++;
        return this.#fail(p, protocolError(this.#opts.name, `invalid error object in the response to ${p.method}`));
      }
      this.#settle(p);
      return p.reject(new UpstreamRpcError(e as { code: number; message: string; data?: unknown }));
    }
    const result = m.result;
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      this.stats.malformed++;
      return this.#fail(p, protocolError(this.#opts.name, `the result of ${p.method} is not an object`));
    }
    this.#settle(p);
    p.resolve(result as Record<string, unknown>);
  }

  #onNotification(n: JsonRpcNotification, related: RequestId | undefined): void {
    const params = n.params;
    if (n.method === 'notifications/progress') {
      const p = this.#byToken.get(params?.progressToken as string);
      if (p === undefined || typeof params?.progress !== 'number') {
        this.stats.strayProgress++;
        return;
      }
      const progress: { progress: number; total?: number; message?: string } = { progress: params.progress };
      if (typeof params.total === 'number') progress.total = params.total;
      if (typeof params.message === 'string') progress.message = params.message;
      return this.#guard(() => p.options.onProgress?.(progress));
    }
    if (n.method === 'notifications/cancelled') return this.#inbound.cancel(params?.requestId as RequestId, params?.reason);
    const subscription = subscriptionIdOf(params);
    if (subscription !== undefined) {
      const listener = typeof subscription === 'number' ? this.#pending.get(subscription) : undefined;
      const onListen = listener?.listen === true ? listener.options.onNotification : undefined;
      if (onListen !== undefined) return this.#guard(() => onListen(n));
      // A stream we closed after its successor was acknowledged: the successor delivers this too.
      if (this.#retiredListens.has(subscription)) {
        this.stats.staleSubscription++;
        return;
      }
    }
    const owner = CONNECTION_NOTIFICATIONS.has(n.method) ? undefined : this.#ownerFor(related, params, 'notification');
    // A call's log must not reach anyone else: with its call unknown it is dropped, not broadcast.
    if (owner === 'doubtful') {
      this.stats.unattributedNotifications++;
      return;
    }
    const handler = owner?.options.onNotification;
    if (handler !== undefined) return this.#guard(() => handler(n));
    this.#guard(() => this.#opts.onNotification(n));
  }

  /**
   * The in-flight request a server-initiated message belongs to, never a guess (docs/adr/0003): the one
   * whose stream carried it (correlated channels), the one whose progress token it carries, or, without either, the
   * oldest call of the one caller with calls in flight. 'doubtful': the message names a call that is
   * gone, or several callers' calls are in flight (stdio and legacy SSE share one channel). undefined:
   * no call of any caller is in flight (or, on a correlated channel, the server sent a notification
   * on its own stream: unrelated by its own word).
   */
  #ownerFor(related: RequestId | undefined, params: unknown, kind: 'request' | 'notification'): PendingRequest | 'doubtful' | undefined {
    if (related !== undefined) {
      const p = typeof related === 'number' ? this.#pending.get(related) : undefined;
      return p ?? (this.#aborted.has(related) ? 'doubtful' : undefined);
    }
    const token = progressTokenOf(params);
    const named = token === undefined ? undefined : this.#byToken.get(token);
    if (named !== undefined) return named;
    if (this.#channel.correlated && kind === 'notification') return undefined;
    let owner: unknown;
    let found: PendingRequest | undefined;
    for (const p of this.#pending.values()) {
      if (p.listen) continue;
      const { options } = p;
      const handles = kind === 'request' ? options.onRequest !== undefined : options.onNotification !== undefined;
      // Without an owner, a request with handlers is its own caller; one without is the gateway's own.
      const key = options.owner ?? (options.onRequest !== undefined || options.onNotification !== undefined ? p : undefined);
      if (key === undefined) continue;
      if (owner === undefined) owner = key;
      else if (owner !== key) return 'doubtful';
      if (found === undefined && handles) found = p;
    }
    return found;
  }

  #onMalformed(info: MalformedInfo): void {
    this.stats.malformed++;
    const id = info.related ?? guessId(info.head, info.tail);
    const p = typeof id === 'number' ? this.#pending.get(id) : undefined;
    const suppressed = this.#malformedLog.take();
    if (suppressed >= 0) {
      // The id may be a string the upstream chose: clipped like any outsider-controlled value.
      const requestId = typeof id === 'string' ? clip(id, 64) : id;
      const fields = { upstream: this.#opts.name, reason: info.reason, detail: clip(info.detail), requestId };
      this.#opts.log.warn(suppressed > 0 ? { ...fields, suppressed } : fields, 'malformed upstream message');
    }
    if (p !== undefined) this.#fail(p, protocolError(this.#opts.name, `${info.reason} message: ${info.detail}`, { reason: info.reason }));
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#opts.log.error({ upstream: this.#opts.name, err }, 'upstream message handler threw');
    }
  }
}

function noop(): void {}

/** The modern `_meta` subscription tag of a notification, if any. */
function subscriptionIdOf(params: Params | undefined): RequestId | undefined {
  const meta = params?._meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const id = (meta as Record<string, unknown>)[META.subscriptionId];
  return typeof id === 'number' || typeof id === 'string' ? id : undefined;
}
