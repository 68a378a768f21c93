import type { Clock, Random, TimerHandle } from '../core/index.js';
import { GatewayError, UpstreamRpcError } from '../errors/index.js';
import { META, type JsonRpcNotification, type Params } from '../protocol/index.js';
import { backoffDelay } from './backoff.js';
import type { JsonRpcPeer } from './json-rpc-peer.js';
import type { ResolvedRestart, UpstreamLogger } from './spec.js';
import type { UpstreamEvents } from './types.js';
import { reasonText, unavailable } from './upstream-errors.js';

/** The `notifications` filter of a modern `subscriptions/listen` request. */
export interface UpstreamListenFilter {
  toolsListChanged?: true;
  promptsListChanged?: true;
  resourcesListChanged?: true;
  resourceSubscriptions?: string[];
}

/** What a ListenStream needs from its connection. */
export interface ListenStreamOptions {
  readonly name: string;
  readonly log: UpstreamLogger;
  readonly clock: Clock;
  readonly random: Random;
  /** Reopen backoff (the connection's restart policy). */
  readonly backoff: ResolvedRestart;
  /** Quiet time that coalesces filter changes into one new stream. */
  readonly debounceMs: number;
  /** How long a caller of `changed()` waits for an acknowledged stream that covers its change. */
  readonly ackTimeoutMs: number;
  /** A change notification for the connection's `notification` event (subscription tag removed). */
  readonly emit: (message: JsonRpcNotification) => void;
  readonly established: (event: UpstreamEvents['subscriptions']) => void;
}

interface Stream {
  readonly controller: AbortController;
  readonly filter: UpstreamListenFilter;
  readonly key: string;
  /** The filter generation this stream carries. */
  readonly gen: number;
  ackedAt: number | undefined;
  /** What the server agreed to deliver (its acknowledgement's filter). */
  agreed: Record<string, unknown>;
  /** The server agreed to deliver nothing on it: it is not reopened when it ends. */
  idle: boolean;
}

interface Waiter {
  readonly gen: number;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The modern era's change feed of one link: a single long-lived `subscriptions/listen` request (HTTP:
 * a POST left open as SSE; stdio: a request left in flight) asking for every list change the server
 * announces plus the current resource subscriptions. A new filter opens a successor stream and closes
 * the old one only once the successor is acknowledged, so no update falls between them. A stream that
 * ends or fails is reopened with backoff while a link is attached.
 */
export class ListenStream {
  readonly #o: ListenStreamOptions;
  readonly #uris: () => ReadonlySet<string>;
  #peer: JsonRpcPeer | undefined;
  #capabilities: Record<string, unknown> = {};
  #current: Stream | undefined;
  #next: Stream | undefined;
  /** The wanted filter changed while `#next` was still waiting for its acknowledgement. */
  #dirty = false;
  #timer: TimerHandle | undefined;
  /** `#timer` is a reopen waiting out its backoff (a filter change must not cut it short). */
  #backingOff = false;
  #failures = 0;
  #unsupported = false;
  #wantedGen = 0;
  #ackedGen = 0;
  #waiters: Waiter[] = [];

  constructor(options: ListenStreamOptions, uris: () => ReadonlySet<string>) {
    this.#o = options;
    this.#uris = uris;
  }

  /** The filter the live stream carries (undefined while none is acknowledged). */
  get filter(): UpstreamListenFilter | undefined {
    return this.#current?.filter;
  }

  /** False once the server answered `subscriptions/listen` with -32601 (it has no change feed). */
  get supported(): boolean {
    return !this.#unsupported;
  }

  /** True when the live stream's acknowledgement agreed to deliver updates of `uri`. */
  watching(uri: string): boolean {
    const uris = this.#current?.agreed.resourceSubscriptions;
    return Array.isArray(uris) && uris.includes(uri);
  }

  /** A new ready link: open its stream at once. */
  attach(peer: JsonRpcPeer, capabilities: Record<string, unknown>): void {
    this.detach('link replaced');
    this.#peer = peer;
    this.#capabilities = capabilities;
    this.#failures = 0;
    this.#unsupported = false;
    this.#open();
  }

  /** The link is gone: its streams die with it; the wanted filter is kept for the next link. */
  detach(reason: string): void {
    this.#peer = undefined;
    this.#clearTimer();
    for (const s of [this.#current, this.#next]) s?.controller.abort(new Error(reason));
    this.#current = this.#next = undefined;
    this.#dirty = false;
    this.#rejectWaiters(unavailable(this.#o.name, `${reason}; subscriptions are re-established on reconnect`, false));
  }

  /** The wanted resource set changed: resolves once an acknowledged stream carries it. */
  changed(): Promise<void> {
    const gen = ++this.#wantedGen;
    if (this.#peer === undefined || this.#unsupported) return Promise.resolve();
    if (this.#next === undefined && this.#current !== undefined && this.#current.key === filterKey(this.#filter())) {
      this.#acked(gen);
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve, reject) => {
      const timer = this.#o.clock.setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(unavailable(this.#o.name, `subscriptions/listen not acknowledged within ${this.#o.ackTimeoutMs} ms`, false));
      }, this.#o.ackTimeoutMs);
      timer.unref?.();
      const waiter: Waiter = {
        gen,
        resolve: () => {
          this.#o.clock.clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          this.#o.clock.clearTimeout(timer);
          reject(err);
        },
      };
      this.#waiters.push(waiter);
    });
    if (this.#next !== undefined) this.#dirty = true;
    else if (!this.#backingOff) this.#schedule(this.#o.debounceMs);
    return done;
  }

  /** Opens at once if a reopen is waiting out its backoff (the upstream just proved alive). */
  nudge(): void {
    if (this.#peer === undefined || this.#next !== undefined || this.#timer === undefined) return;
    this.#open();
  }

  close(): void {
    this.detach('closed');
  }

  /** Everything the server announces it can push, plus the wanted resources it can watch. */
  #filter(): UpstreamListenFilter {
    const caps = this.#capabilities;
    const filter: UpstreamListenFilter = {};
    if (announces(caps.tools, 'listChanged')) filter.toolsListChanged = true;
    if (announces(caps.prompts, 'listChanged')) filter.promptsListChanged = true;
    if (announces(caps.resources, 'listChanged')) filter.resourcesListChanged = true;
    const uris = this.#uris();
    if (uris.size > 0 && announces(caps.resources, 'subscribe')) filter.resourceSubscriptions = [...uris].sort();
    return filter;
  }

  #open(): void {
    this.#clearTimer();
    const peer = this.#peer;
    if (peer === undefined) return;
    if (this.#next !== undefined) {
      this.#dirty = true;
      return;
    }
    this.#dirty = false;
    const gen = this.#wantedGen;
    const filter = this.#filter();
    const key = filterKey(filter);
    if (this.#current !== undefined && this.#current.key === key) return this.#acked(gen);
    if (key === '{}') {
      // Nothing to listen to: the server would acknowledge an empty filter and end the stream at once.
      this.#current?.controller.abort(new Error('nothing to listen to'));
      this.#current = undefined;
      return this.#acked(gen);
    }
    const stream: Stream = { controller: new AbortController(), filter, key, gen, ackedAt: undefined, agreed: {}, idle: false };
    this.#next = stream;
    peer
      .request(
        'subscriptions/listen',
        { notifications: filter },
        { signal: stream.controller.signal, onNotification: (n) => this.#onMessage(stream, n) },
        { listen: true },
      )
      .then(
        () => this.#ended(stream, 'the server completed the stream'),
        (err: unknown) => this.#ended(stream, err),
      );
  }

  #onMessage(stream: Stream, n: JsonRpcNotification): void {
    if (n.method === 'notifications/subscriptions/acknowledged') return this.#acknowledged(stream, n.params?.notifications);
    // The stream is live once anything arrives on it: a server that sends a change before (or without)
    // its acknowledgement is taken to have agreed to what was asked.
    if (stream === this.#next) this.#acknowledged(stream, stream.filter);
    if (stream.controller.signal.aborted) return;
    this.#o.emit(untagged(n));
  }

  #acknowledged(stream: Stream, agreed: unknown): void {
    if (stream !== this.#next) return;
    this.#next = undefined;
    stream.ackedAt = this.#o.clock.now();
    const old = this.#current;
    this.#current = stream;
    old?.controller.abort(new Error('replaced by an acknowledged successor'));
    const notifications = isRecord(agreed) ? agreed : {};
    stream.agreed = notifications;
    stream.idle = Object.keys(notifications).length === 0;
    this.#o.log.debug({ upstream: this.#o.name, requested: stream.filter, agreed: notifications }, 'subscriptions/listen acknowledged');
    this.#acked(stream.gen);
    this.#o.established({ via: 'listen', uris: stream.filter.resourceSubscriptions ?? [], notifications });
    if (this.#dirty) this.#schedule(this.#o.debounceMs);
  }

  #ended(stream: Stream, reason: unknown): void {
    if (stream.controller.signal.aborted) return; // we closed it: replaced, detached or closed
    stream.controller.abort(new Error('ended'));
    const unacknowledged = stream === this.#next;
    if (unacknowledged) this.#next = undefined;
    else if (stream === this.#current) this.#current = undefined;
    else return;
    if (this.#peer === undefined) return;
    if (reason instanceof UpstreamRpcError && reason.rpcCode === -32601) {
      this.#unsupported = true;
      this.#o.log.warn({ upstream: this.#o.name }, 'upstream does not support subscriptions/listen: no change notifications');
      this.#resolveWaiters();
      return;
    }
    // Whoever waits for this stream learns now that it failed, not when the acknowledgement wait runs out.
    if (unacknowledged) this.#rejectWaiters(listenFailed(this.#o.name, reason));
    if (stream.idle) return; // the server agreed to nothing; reopening would only spin
    // A stream that lived long enough starts the backoff over; a flapping one keeps growing it.
    if (stream.ackedAt !== undefined && this.#o.clock.now() - stream.ackedAt >= this.#o.backoff.maxDelayMs) this.#failures = 0;
    const delay = backoffDelay(this.#o.backoff, ++this.#failures, this.#o.random);
    const level = this.#failures === 1 ? 'info' : 'debug';
    this.#o.log[level](
      { upstream: this.#o.name, reason: reasonText(reason), retryInMs: delay },
      'subscriptions/listen stream ended: reopening',
    );
    this.#schedule(delay, true);
  }

  #schedule(ms: number, backoff = false): void {
    this.#clearTimer();
    this.#backingOff = backoff;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#open();
    }, ms);
    this.#timer.unref?.();
  }

  #acked(gen: number): void {
    if (gen > this.#ackedGen) this.#ackedGen = gen;
    const ready = this.#waiters.filter((w) => w.gen <= this.#ackedGen);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.gen > this.#ackedGen);
    for (const w of ready) w.resolve();
  }

  #resolveWaiters(): void {
    const all = this.#waiters;
    this.#waiters = [];
    for (const w of all) w.resolve();
  }

  #rejectWaiters(err: unknown): void {
    const all = this.#waiters;
    this.#waiters = [];
    for (const w of all) w.reject(err);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#backingOff = false;
  }
}

/** The upstream ended a `subscriptions/listen` before acknowledging it: its own error, or unavailable. */
function listenFailed(upstream: string, reason: unknown): unknown {
  if (reason instanceof UpstreamRpcError || reason instanceof GatewayError) return reason;
  return unavailable(upstream, `subscriptions/listen ended before it was acknowledged: ${reasonText(reason)}`, false);
}

function announces(capability: unknown, flag: string): boolean {
  return isRecord(capability) && capability[flag] === true;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A canonical text of a filter (URIs are already sorted) for "is this what the stream carries?". */
function filterKey(filter: UpstreamListenFilter): string {
  return JSON.stringify(filter);
}

/** The notification without the `_meta` subscription tag (legacy upstreams never send one). */
export function untagged(n: JsonRpcNotification): JsonRpcNotification {
  const meta = n.params?._meta;
  if (!isRecord(meta) || !(META.subscriptionId in meta)) return n;
  const { [META.subscriptionId]: _tag, ...rest } = meta;
  const params: Params = { ...n.params };
  if (Object.keys(rest).length === 0) delete params._meta;
  else params._meta = rest;
  return { ...n, params };
}
