import { Pool } from './undici-pool.js';
import { LogThrottle, type Clock, type Random } from '../core/index.js';
import type { JsonRpcMessage, RequestId } from '../protocol/index.js';
import { type Channel, type ChannelHandlers, type SendOptions, type WireState, deliverJson, serialise } from './channel.js';
import { GetStream } from './http-get-stream.js';
import { modernHeaders, transportError, type HttpEndpointOptions } from './http-common.js';
import type { BearerSource } from './oauth/auth-spec.js';
import { upstreamAuthError } from './oauth/token-source.js';
import { PostExchange, type ExchangeOutcome } from './post-exchange.js';
import { sessionGone } from './session-gone.js';
import type { ResolvedRestart } from './spec.js';
import { resumeStream, type ResumePoint } from './stream-resume.js';
import { reasonText, unavailable } from './upstream-errors.js';

/** The W3C trace context entries of a request's headers (sent to legacy upstreams too; the rest is modern-only). */
function traceHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate', 'baggage']) if (headers[key] !== undefined) out[key] = headers[key];
  return out;
}

const RESOLVED = Promise.resolve();

/** How to reach a Streamable HTTP upstream. */
export interface HttpChannelOptions extends HttpEndpointOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** Backoff of the GET stream's reconnects. */
  readonly backoff: ResolvedRestart;
  /** The gateway's own OAuth token for this upstream (ADR 0022); absent: only the static headers. */
  readonly credentials?: BearerSource;
}

/**
 * Streamable HTTP client on a keep-alive undici Pool (no fetch: it costs ~1 ms per call). Each message
 * is one POST; the JSON or SSE response is parsed incrementally and every message on a request's stream
 * is tagged with that request. Legacy: session id, GET stream, transparent re-initialisation when the
 * server no longer knows the session (404, or 400 naming the session), after a failed re-initialisation
 * and after the health check lost the upstream; a replaced session is DELETEd. Modern: stateless,
 * Mcp-Method / Mcp-Name headers, cancellation by closing the stream.
 */
export class HttpChannel implements Channel {
  readonly correlated = true;
  /** Called when our session is gone: must run the legacy handshake again over this channel. */
  onSessionExpired: (() => Promise<void>) | undefined;
  readonly #o: HttpChannelOptions;
  readonly #pool: Pool;
  readonly #path: string;
  #handlers: ChannelHandlers | undefined;
  #wire: WireState = { era: 'legacy', protocolVersion: undefined };
  #sessionId: string | undefined;
  #headers: Record<string, string> = {};
  /** The bearer token in #headers (credentials only). */
  #bearer: string | undefined;
  #reinit: Promise<void> | undefined;
  #get: GetStream | undefined;
  #closed = false;
  /** The session must be re-established before the next message (it expired, its renewal failed, or it is suspect). */
  #lost = false;
  /** DELETEs of replaced sessions still in flight (close() lets them finish). */
  readonly #deletes = new Set<Promise<void>>();
  readonly #logs: LogThrottle;

  constructor(options: HttpChannelOptions) {
    this.#o = options;
    this.#path = options.url.pathname + options.url.search;
    this.#pool = new Pool(options.url.origin, { pipelining: 1, connections: options.maxConnections, keepAliveTimeout: 30_000 });
    this.#logs = new LogThrottle(options.clock, { burst: 3, perSecond: 1 / 60 });
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

  /** Legacy: opens the GET stream, once; it follows every later session by itself. */
  handshakeDone(): void {
    if (this.#wire.era !== 'legacy' || this.#closed || this.#get !== undefined) return;
    this.#get = new GetStream({
      ...this.#o,
      pool: this.#pool,
      path: this.#path,
      headers: () => this.#headers,
      backoff: this.#o.backoff,
      deliver: (data) => this.#deliver(data, undefined),
      session: () => this.#sessionReady(),
      expired: (session) => this.#expire(session),
    });
    this.#get.start();
  }

  /**
   * The health check lost the upstream: it may have restarted and forgotten the session without saying
   * so in a way we recognise, so the next message re-initialises first (and the old session is DELETEd).
   */
  sessionSuspect(): void {
    if (this.#wire.era === 'legacy' && this.#sessionId !== undefined) this.#lost = true;
  }

  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.#closed) throw unavailable(this.#o.name, 'closed', false);
    // Before anything is written: a failure here is the caller's (too deep), never the upstream's.
    const body = serialise(this.#o.name, message, options.body);
    if (options.handshake !== true) await this.#sessionReady();
    const { signal, requestId } = options;
    const credentials = this.#o.credentials;
    if (credentials !== undefined) this.#useBearer(await credentials.token());
    let reauthorised = false;
    for (let retried = false; ;) {
      const session = this.#sessionId;
      let headers = this.#wire.era === 'modern' ? modernHeaders(this.#headers, message) : this.#headers;
      // The request's own headers (SEP-2243 Mcp-Param-*), modern era only; W3C trace context in both eras.
      if (options.headers !== undefined)
        headers = this.#wire.era === 'modern' ? { ...options.headers, ...headers } : { ...traceHeaders(options.headers), ...headers };
      const canExpire = session !== undefined && this.#wire.era === 'legacy' && options.handshake !== true && !retried;
      const sentWith = this.#bearer;
      const { expired, resume, unauthorized } = await this.#post(body, headers, requestId, signal, canExpire);
      // A 401 refused the request (not executed): renew the token once and send it again (ADR 0022).
      if (unauthorized === true) {
        if (reauthorised) throw upstreamAuthError(this.#o.name, 'the upstream refused a freshly issued access token (HTTP 401)');
        reauthorised = true;
        // The token this request carried: a concurrent request may have renewed it already (then that one is used).
        this.#useBearer(await credentials!.rejected(sentWith!));
        continue;
      }
      // SEP-1699: the stream ended (or broke) after event ids but before the response: fetch the rest.
      if (resume !== undefined && requestId !== undefined && options.answered?.() === false && this.#wire.era === 'legacy')
        return this.#resume(requestId, signal, options.answered, resume);
      // Our session is gone (404, or 400 naming it): the upstream provably did not process this message.
      if (!expired) return;
      retried = true;
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
  ): Promise<ExchangeOutcome> {
    const o = this.#o;
    const exchange = new PostExchange({
      upstream: o.name,
      maxMessageBytes: o.maxMessageBytes,
      maxJsonDepth: o.maxJsonDepth,
      related,
      signal,
      interceptUnauthorized: o.credentials !== undefined,
      expired: (status, text) => canExpire && sessionGone(status, text),
      session: (id) => {
        if (id !== this.#sessionId && this.#wire.era === 'legacy') {
          this.#sessionId = id;
          this.#rebuildHeaders();
        }
      },
      deliver: (text, rel) => this.#deliver(text, rel),
      message: (parsed, rel) => this.#handlers?.message(parsed, rel),
      malformed: (info) => this.#handlers?.malformed(info),
      ndjson: () => this.#handlers?.ndjsonBody?.(),
    });
    if (signal?.aborted) return Promise.reject(signal.reason);
    try {
      this.#pool.dispatch({ path: this.#path, method: 'POST', headers, body, headersTimeout: 0, bodyTimeout: 0 }, exchange);
    } catch (err) {
      return Promise.reject(transportError(o.name, err, signal));
    }
    return exchange.done;
  }

  /** Resumes a request's stream with GET + Last-Event-ID until its response arrives (see resumeStream). */
  #resume(related: RequestId, signal: AbortSignal | undefined, answered: () => boolean, from: ResumePoint): Promise<void> {
    const o = this.#o;
    const deliver = (text: string, rel: RequestId) => this.#deliver(text, rel);
    const options = { ...o, pool: this.#pool, path: this.#path, headers: () => this.#headers, related, signal, deliver, answered };
    return resumeStream(options, from);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#get?.stop();
    this.#handlers?.close('closed');
    if (this.#sessionId !== undefined && this.#wire.era === 'legacy') this.#deleteSession(this.#sessionId);
    await Promise.all(this.#deletes);
    await this.#pool.destroy();
  }

  /** Resolves once a message may go out on a live session: re-initialises a lost one first (legacy). */
  #sessionReady(): Promise<void> {
    if (this.#reinit !== undefined || this.#lost) return this.#expire(this.#sessionId);
    return RESOLVED;
  }

  /** Starts (or joins) the one re-initialisation of a session; `seen`: the id the caller found stale. */
  async #expire(seen: string | undefined): Promise<void> {
    if (this.#closed) throw unavailable(this.#o.name, 'closed', false);
    if (this.#reinit === undefined && (this.#lost || this.#sessionId === seen)) this.#renew();
    try {
      await this.#reinit;
    } catch (err) {
      throw unavailable(this.#o.name, `session expired and re-initialisation failed: ${reasonText(err)}`, false, err);
    }
  }

  #renew(): void {
    const hook = this.onSessionExpired;
    if (hook === undefined) throw unavailable(this.#o.name, 'session expired', false);
    const old = this.#sessionId;
    const suppressed = this.#logs.take();
    if (suppressed >= 0) {
      const fields = { upstream: this.#o.name, ...(suppressed > 0 && { suppressed }) };
      this.#o.log.info(
        fields,
        old === undefined ? 'upstream session lost: initialising again' : 'upstream session expired: re-initialising',
      );
    }
    this.#lost = true;
    this.#sessionId = undefined;
    this.#rebuildHeaders();
    // The server may still hold the old session (a GET-only 404, a suspect session): do not leak it.
    if (old !== undefined) this.#deleteSession(old);
    this.#get?.renew();
    this.#reinit = hook()
      .then(() => void (this.#lost = false))
      .finally(() => (this.#reinit = undefined));
  }

  /** Best-effort DELETE of a session we no longer use (bounded; close() waits for it). */
  #deleteSession(id: string): void {
    const headers = { ...this.#headers, 'mcp-session-id': id };
    const done = this.#pool
      .request({ path: this.#path, method: 'DELETE', headers, signal: AbortSignal.timeout(1_000) })
      .then((res) => res.body.dump())
      .catch((err: unknown) => this.#o.log.debug({ upstream: this.#o.name, err }, 'session DELETE failed'))
      .finally(() => this.#deletes.delete(done));
    this.#deletes.add(done);
  }

  #deliver(text: string, related: RequestId | undefined): void {
    deliverJson(this.#handlers, text, related, this.#o.maxJsonDepth);
  }

  /** Puts `token` into the headers (rebuilt only when it changed). */
  #useBearer(token: string): void {
    if (token === this.#bearer) return;
    this.#bearer = token;
    this.#rebuildHeaders();
  }

  #rebuildHeaders(): void {
    const h: Record<string, string> = {
      ...this.#o.headers,
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
    };
    if (this.#bearer !== undefined) h.authorization = `Bearer ${this.#bearer}`;
    if (this.#wire.protocolVersion !== undefined) h['mcp-protocol-version'] = this.#wire.protocolVersion;
    if (this.#sessionId !== undefined && this.#wire.era === 'legacy') h['mcp-session-id'] = this.#sessionId;
    this.#headers = h;
  }
}
