import { Pool } from './undici-pool.js';
import type { Clock, Random } from '../core/index.js';
import type { JsonRpcMessage, RequestId } from '../protocol/index.js';
import { type Channel, type ChannelHandlers, type SendOptions, type WireState, deliverJson, serialise } from './channel.js';
import { GetStream } from './http-get-stream.js';
import { modernHeaders, transportError, type HttpEndpointOptions } from './http-common.js';
import { PostExchange } from './post-exchange.js';
import type { ResolvedRestart } from './spec.js';
import { reasonText, unavailable } from './upstream-errors.js';

/** How to reach a Streamable HTTP upstream. */
export interface HttpChannelOptions extends HttpEndpointOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** Backoff of the GET stream's reconnects. */
  readonly backoff: ResolvedRestart;
}

/**
 * Streamable HTTP client on a keep-alive undici Pool (no fetch: it costs ~1 ms per call). Each message
 * is one POST; the JSON or SSE response is parsed incrementally and every message on a request's stream
 * is tagged with that request. Legacy: session id, GET stream, transparent re-initialisation once on
 * 404. Modern: stateless, Mcp-Method / Mcp-Name headers, cancellation by closing the stream.
 */
export class HttpChannel implements Channel {
  readonly correlated = true;
  /** Called on a 404 for our session: must run the legacy handshake again over this channel. */
  onSessionExpired: (() => Promise<void>) | undefined;
  readonly #o: HttpChannelOptions;
  readonly #pool: Pool;
  readonly #path: string;
  #handlers: ChannelHandlers | undefined;
  #wire: WireState = { era: 'legacy', protocolVersion: undefined };
  #sessionId: string | undefined;
  #headers: Record<string, string> = {};
  #reinit: Promise<void> | undefined;
  #get: GetStream | undefined;
  #closed = false;

  constructor(options: HttpChannelOptions) {
    this.#o = options;
    this.#path = options.url.pathname + options.url.search;
    this.#pool = new Pool(options.url.origin, { pipelining: 1, connections: options.maxConnections, keepAliveTimeout: 30_000 });
    this.#rebuildHeaders();
  }

  get cancelByAbort(): boolean {
    return this.#wire.era === 'modern';
  }

  /** The upstream session id (legacy), once assigned. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  setHandlers(handlers: ChannelHandlers): void {
    this.#handlers = handlers;
  }

  setWire(wire: WireState): void {
    this.#wire = wire;
    this.#rebuildHeaders();
  }

  handshakeDone(): void {
    if (this.#wire.era !== 'legacy' || this.#closed) return;
    this.#get?.stop();
    this.#get = new GetStream({
      ...this.#o,
      pool: this.#pool,
      path: this.#path,
      headers: () => this.#headers,
      backoff: this.#o.backoff,
      deliver: (data) => this.#deliver(data, undefined),
      expired: () => void this.#expire(this.#sessionId).catch(() => {}),
    });
    this.#get.start();
  }

  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.#closed) throw unavailable(this.#o.name, 'closed', false);
    // Before anything is written: a failure here is the caller's (too deep), never the upstream's.
    const body = serialise(this.#o.name, message, options.body);
    if (this.#reinit !== undefined && options.handshake !== true) await this.#reinit;
    const { signal, requestId } = options;
    for (let retried = false; ; retried = true) {
      const session = this.#sessionId;
      let headers = this.#wire.era === 'modern' ? modernHeaders(this.#headers, message) : this.#headers;
      // The request's own headers (SEP-2243 Mcp-Param-*), modern era only.
      if (options.headers !== undefined && this.#wire.era === 'modern') headers = { ...options.headers, ...headers };
      const canExpire = session !== undefined && this.#wire.era === 'legacy' && options.handshake !== true && !retried;
      const { expired } = await this.#post(body, headers, requestId, signal, canExpire);
      // 404 on our session: the upstream forgot it, so it provably did not process this message.
      if (!expired) return;
      await this.#expire(session);
    }
  }

  /** One POST exchange on the pool's low-level dispatch API (see PostExchange). */
  #post(
    body: string,
    headers: Record<string, string>,
    related: RequestId | undefined,
    signal: AbortSignal | undefined,
    canExpire: boolean,
  ): Promise<{ expired: boolean }> {
    const o = this.#o;
    const exchange = new PostExchange({
      upstream: o.name,
      maxMessageBytes: o.maxMessageBytes,
      maxJsonDepth: o.maxJsonDepth,
      related,
      signal,
      expired: (status) => canExpire && status === 404,
      session: (id) => {
        if (id !== this.#sessionId && this.#wire.era === 'legacy') {
          this.#sessionId = id;
          this.#rebuildHeaders();
        }
      },
      deliver: (text, rel) => this.#deliver(text, rel),
      message: (parsed, rel) => this.#handlers?.message(parsed, rel),
      malformed: (info) => this.#handlers?.malformed(info),
    });
    if (signal?.aborted) return Promise.reject(signal.reason);
    try {
      this.#pool.dispatch({ path: this.#path, method: 'POST', headers, body, headersTimeout: 0, bodyTimeout: 0 }, exchange);
    } catch (err) {
      return Promise.reject(transportError(o.name, err, signal));
    }
    return exchange.done;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#get?.stop();
    this.#handlers?.close('closed');
    if (this.#sessionId !== undefined && this.#wire.era === 'legacy') {
      const signal = AbortSignal.timeout(1_000);
      await this.#pool
        .request({ path: this.#path, method: 'DELETE', headers: this.#headers, signal })
        .then((res) => res.body.dump())
        .catch((err: unknown) => this.#o.log.debug({ upstream: this.#o.name, err }, 'session DELETE failed'));
    }
    await this.#pool.destroy();
  }

  /** Starts (or joins) the one re-initialisation of an expired session. */
  async #expire(session: string | undefined): Promise<void> {
    if (this.#reinit === undefined && this.#sessionId === session) {
      const hook = this.onSessionExpired;
      if (hook === undefined) throw unavailable(this.#o.name, 'session expired', false);
      this.#o.log.info({ upstream: this.#o.name }, 'upstream session expired: re-initialising');
      this.#get?.stop();
      this.#get = undefined;
      this.#sessionId = undefined;
      this.#rebuildHeaders();
      this.#reinit = hook().finally(() => (this.#reinit = undefined));
    }
    try {
      await this.#reinit;
    } catch (err) {
      throw unavailable(this.#o.name, `session expired and re-initialisation failed: ${reasonText(err)}`, false, err);
    }
  }

  #deliver(text: string, related: RequestId | undefined): void {
    deliverJson(this.#handlers, text, related, this.#o.maxJsonDepth);
  }

  #rebuildHeaders(): void {
    const h: Record<string, string> = {
      ...this.#o.headers,
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
    };
    if (this.#wire.protocolVersion !== undefined) h['mcp-protocol-version'] = this.#wire.protocolVersion;
    if (this.#sessionId !== undefined && this.#wire.era === 'legacy') h['mcp-session-id'] = this.#sessionId;
    this.#headers = h;
  }
}
