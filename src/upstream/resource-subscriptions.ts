import { clip, type Clock } from '../core/index.js';
import { GatewayError } from '../errors/index.js';
import type { JsonRpcPeer } from './json-rpc-peer.js';
import { ListenStream, type ListenStreamOptions } from './listen-stream.js';
import type { UpstreamLogger } from './spec.js';
import { timeoutSignal } from './timeout-signal.js';
import type { UpstreamEvents, UpstreamInfo } from './types.js';
import { reasonText, unavailable } from './upstream-errors.js';

/** What the subscription manager needs from its connection. */
export interface ResourceSubscriptionOptions extends ListenStreamOptions {
  readonly clock: Clock;
  readonly log: UpstreamLogger;
  /** Bound on one legacy resources/(un)subscribe request. */
  readonly requestTimeoutMs: number;
  /** The current server facts (a session re-initialisation may change them). */
  readonly info: () => UpstreamInfo | undefined;
}

/**
 * The resources one upstream should watch, kept across links: a legacy link gets one
 * `resources/subscribe` per URI (replayed on every new link and re-initialised session), a modern
 * link carries them in its `subscriptions/listen` filter (which also asks for every list change).
 */
export class ResourceSubscriptions {
  readonly #o: ResourceSubscriptionOptions;
  readonly #uris = new Set<string>();
  readonly #listen: ListenStream;
  #peer: JsonRpcPeer | undefined;

  constructor(options: ResourceSubscriptionOptions) {
    this.#o = options;
    this.#listen = new ListenStream(options, () => this.#uris);
  }

  /** The URIs currently wanted. */
  get uris(): ReadonlySet<string> {
    return this.#uris;
  }

  /** A new ready link: re-establish everything on it. */
  attach(peer: JsonRpcPeer): void {
    this.#peer = peer;
    const info = this.#o.info();
    if (info?.era === 'modern') this.#listen.attach(peer, info.capabilities);
    else {
      this.#listen.detach('legacy link');
      void this.#replay(peer);
    }
  }

  /** The link left 'ready' (crash, restart, close). */
  detach(reason: string): void {
    this.#peer = undefined;
    this.#listen.detach(reason);
  }

  /** A legacy HTTP session was re-initialised on the same link: the new session knows nothing. */
  sessionRestored(): void {
    const peer = this.#peer;
    if (peer !== undefined && this.#o.info()?.era !== 'modern') void this.#replay(peer);
  }

  /** The upstream just answered a probe: a listen reopen waiting out its backoff may go now. */
  nudge(): void {
    this.#listen.nudge();
  }

  /**
   * Watches `uri` upstream, then keeps it watched across links. Rejects as soon as the subscription
   * cannot be made (no link, no `resources.subscribe` capability, a refusal, a listen stream that failed
   * or did not agree to the URI) and then forgets the URI: the caller is told, so nothing is replayed.
   */
  async subscribe(uri: string): Promise<void> {
    if (this.#uris.has(uri)) return;
    const peer = this.#peer;
    if (peer === undefined) throw unavailable(this.#o.name, 'not connected: the resource subscription was not made', false);
    if (!this.#canSubscribe()) throw cannotWatch(this.#o.name, uri, 'does not support resource subscriptions');
    this.#uris.add(uri);
    try {
      if (this.#o.info()?.era !== 'modern') return await this.#request(peer, 'resources/subscribe', uri);
      await this.#listen.changed();
      if (!this.#listen.supported) throw cannotWatch(this.#o.name, uri, 'does not support subscriptions/listen');
      if (!this.#listen.watching(uri)) throw cannotWatch(this.#o.name, uri, 'did not agree to watch the resource');
    } catch (err) {
      this.#uris.delete(uri);
      throw err;
    }
  }

  async unsubscribe(uri: string): Promise<void> {
    if (!this.#uris.delete(uri)) return;
    const peer = this.#peer;
    if (peer === undefined) return;
    if (this.#o.info()?.era === 'modern') return this.#listen.changed();
    if (!this.#canSubscribe()) return;
    await this.#request(peer, 'resources/unsubscribe', uri);
  }

  close(): void {
    this.#peer = undefined;
    this.#listen.close();
  }

  /** The server announces `resources.subscribe` (both eras: a modern listen filter is narrowed by it). */
  #canSubscribe(): boolean {
    const resources = this.#o.info()?.capabilities.resources;
    return typeof resources === 'object' && resources !== null && (resources as Record<string, unknown>).subscribe === true;
  }

  async #request(peer: JsonRpcPeer, method: string, uri: string): Promise<void> {
    const bounded = timeoutSignal(this.#o.clock, this.#o.requestTimeoutMs, this.#o.name, method);
    try {
      await peer.request(method, { uri }, { signal: bounded.signal });
    } finally {
      bounded.dispose();
    }
  }

  async #replay(peer: JsonRpcPeer): Promise<void> {
    if (this.#uris.size === 0 || !this.#canSubscribe()) return;
    const uris = [...this.#uris];
    const outcomes = await Promise.allSettled(uris.map((uri) => this.#request(peer, 'resources/subscribe', uri)));
    if (this.#peer !== peer) return;
    const done: string[] = [];
    outcomes.forEach((o, i) => {
      const uri = uris[i]!;
      if (o.status === 'fulfilled') done.push(uri);
      else this.#o.log.warn({ upstream: this.#o.name, uri, reason: reasonText(o.reason) }, 're-subscribing a resource failed');
    });
    const event: UpstreamEvents['subscriptions'] = { via: 'subscribe', uris: done };
    this.#o.established(event);
  }
}

/** The upstream cannot or will not watch `uri`: answered like the method the upstream lacks. */
function cannotWatch(upstream: string, uri: string, why: string): GatewayError {
  return new GatewayError('GW_METHOD_NOT_FOUND', `Upstream ${upstream} ${why}: cannot subscribe to ${clip(uri)}`, {
    data: { upstream, uri, method: 'resources/subscribe' },
  });
}
