import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Clock, Logger } from '../../core/index.js';
import { clip, LogThrottle, systemClock } from '../../core/index.js';
import { GatewayError } from '../../errors/index.js';
import type { EdgeHook } from '../edge/edge-hook.js';
import { DRAIN_CUT_EVENT } from './call-controller.js';
import { edgeResponseClass, type DropLimit } from './edge-response.js';
import { sendGetWithoutSession, type LegacySseEndpoint } from './legacy-sse-endpoint.js';
import { createOriginGuard, isLoopbackAddress } from './origin-guard.js';
import type { McpEndpoint } from './mcp-endpoint.js';
import { LONG_LIVED_EVENT } from './mcp-endpoint.js';
import { methodNotAllowed, sendError } from './send-error.js';
import { preloadModernClassifier } from './modern-classifier.js';

/** How long callers may take to send a request, and to come back on a kept-alive connection. */
export interface HttpTimeouts {
  /** Time to receive a request's headers. */
  readonly headersMs: number;
  /** Time to receive a whole request, headers and body. Node applies it to receiving only, never to the response. */
  readonly requestMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  readonly keepAliveMs: number;
  /** Time an ended response with more than maxStreamBufferBytes still queued gets to reach a caller that is not reading. */
  readonly stallMs: number;
}

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly allowedHosts: readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly timeouts: HttpTimeouts;
  /** Open connections beyond this are closed as they arrive. */
  readonly maxConnections: number;
  /** Bytes a response may hold queued for a caller that does not read before its stream is dropped. */
  readonly maxStreamBufferBytes: number;
  readonly log: Logger;
  readonly clock?: Clock;
  /** `/readyz`: ready or not, with details for operators. */
  readonly readiness: () => { ready: boolean; details: Record<string, unknown> };
  /** Security headers, resource metadata and authentication before routing (src/transport/edge). */
  readonly edge?: EdgeHook;
  /** Serve HTTPS with this certificate and key (PEM); `setSecureContext` swaps them on renewal. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Connection-level address check (IP allow/deny lists): a refused peer's socket is destroyed at once. */
  readonly acceptAddress?: (address: string | undefined) => boolean;
}

/** Time the answers written at the drain deadline get to reach their callers before connections close. */
const CUT_GRACE_MS = 1_000;

/** The gateway's HTTP listener: the MCP endpoint, health probes, edge limits, and connection tracking for drain. */
export class HttpServer {
  readonly server: Server;
  #sockets = new Set<Socket>();
  /** Responses of requests in flight (long-lived streams excluded). */
  #inflight = new Set<ServerResponse>();
  #idleWaiters: (() => void)[] = [];
  #streams = new Set<ServerResponse>();
  // Each of these logs what an outsider controls or can repeat at will: a flood costs a bounded number of lines.
  readonly #refusedLog: LogThrottle;
  readonly #dropLog: LogThrottle;
  readonly #connectionsLog: LogThrottle;

  constructor(
    private readonly options: HttpServerOptions,
    private readonly endpoint: McpEndpoint,
    /** The 2024-11-05 HTTP+SSE transport (`/sse`, `/messages`), when enabled. */
    private readonly legacySse?: LegacySseEndpoint,
  ) {
    const clock = options.clock ?? systemClock;
    this.#refusedLog = new LogThrottle(clock);
    this.#dropLog = new LogThrottle(clock);
    this.#connectionsLog = new LogThrottle(clock);
    const guard = createOriginGuard({
      loopback: isLoopbackAddress(options.host),
      allowedHosts: options.allowedHosts,
      allowedOrigins: options.allowedOrigins,
    });
    const { headersMs, requestMs, keepAliveMs } = options.timeouts;
    const serverOptions = {
      // Node refuses a header timeout above the request timeout; the config schema reports it, this keeps the invariant.
      headersTimeout: Math.min(headersMs, requestMs),
      requestTimeout: requestMs,
      keepAliveTimeout: keepAliveMs,
      // Node enforces the two timeouts above only when it sweeps its connections (every 30 s by default,
      // so a 10 s header timeout fired at ~39 s): sweep often enough for them to fire on time.
      connectionsCheckingInterval: checkingIntervalMs(headersMs, requestMs),
      ServerResponse: edgeResponseClass({
        maxBufferBytes: options.maxStreamBufferBytes,
        stallMs: options.timeouts.stallMs,
        clock,
        onDrop: (res, bufferedBytes, limit) => this.#logDrop(res, bufferedBytes, limit),
      }),
    };
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.#inflight.add(res);
      const done = () => {
        if (this.#inflight.delete(res) && this.#inflight.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
      };
      // GET and subscriptions/listen streams live until the caller leaves: they never hold a drain open,
      // and are ended once the drain is over.
      res.once(LONG_LIVED_EVENT, () => {
        done();
        this.#streams.add(res);
        res.once('close', () => this.#streams.delete(res));
      });
      res.on('close', done);
      this.#route(req, res, guard);
    };
    // An https.Server serves the same request/response objects; the cast spares every user a union type.
    this.server = options.tls
      ? (createTlsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, handler) as unknown as Server)
      : createServer(serverOptions, handler);
    const accept = options.acceptAddress;
    if (accept !== undefined)
      this.server.on('connection', (socket: Socket) => {
        if (!accept(socket.remoteAddress)) socket.destroy();
      });
    this.server.maxConnections = options.maxConnections;
    this.server.on('drop', (data) => {
      const suppressed = this.#connectionsLog.take();
      if (suppressed >= 0)
        options.log.warn(
          { remote: data?.remoteAddress, maxConnections: options.maxConnections, suppressed },
          'connection refused: server.maxConnections reached',
        );
    });
    this.server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** Starts listening; resolves with the bound address. */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        void preloadModernClassifier();
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting connections; in-flight requests continue. */
  stopAccepting(): void {
    this.server.close();
    for (const socket of this.#sockets) if (!(socket as Socket & { _httpMessage?: unknown })._httpMessage) socket.destroy();
  }

  /** Resolves when no request is in flight, or after `ms`. */
  async idle(ms: number): Promise<boolean> {
    if (this.#inflight.size === 0) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = await Promise.race([
      new Promise<boolean>((r) => this.#idleWaiters.push(() => r(true))),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms))),
    ]);
    clearTimeout(timer);
    return done;
  }

  /**
   * At the drain deadline: answers every request still in flight with GW_SHUTTING_DOWN on its own
   * response (a call gets it with its id, and its upstream work is cancelled), then gives the answers a
   * moment to reach their callers. Resolves true when every response was written.
   */
  cutInFlight(): Promise<boolean> {
    const err = new GatewayError('GW_SHUTTING_DOWN', 'The gateway is shutting down: the call was cut at the drain deadline', {
      data: { limit: 'server.drainTimeoutMs' },
    });
    for (const res of [...this.#inflight]) {
      // Not a call yet (its body is still arriving): refused as a whole.
      if (!res.emit(DRAIN_CUT_EVENT, err) && !res.headersSent) sendError(res, null, err);
    }
    return this.idle(CUT_GRACE_MS);
  }

  /** Ends the long-lived streams (GET, subscriptions/listen) so callers see a clean end of stream. */
  endStreams(): void {
    for (const res of this.#streams) res.end();
    this.#streams.clear();
  }

  /** Closes every remaining connection (after the drain deadline). */
  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.server.closeAllConnections?.();
  }

  get activeRequests(): number {
    return this.#inflight.size;
  }

  #route(req: IncomingMessage, res: ServerResponse, guard: ReturnType<typeof createOriginGuard>): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const edge = this.options.edge?.(req, res, path);
    if (edge === false) return;
    if (edge !== undefined && edge !== true) {
      edge.then(
        (pass) => pass && this.#routePath(req, res, guard, path),
        (err: unknown) => {
          this.options.log.error({ err: String(err) }, 'unhandled error at the edge');
          sendError(res, null, new GatewayError('GW_INTERNAL', 'Internal error'));
        },
      );
      return;
    }
    this.#routePath(req, res, guard, path);
  }

  #routePath(req: IncomingMessage, res: ServerResponse, guard: ReturnType<typeof createOriginGuard>, path: string): void {
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const { ready, details } = this.options.readiness();
      return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', ...details });
    }
    const sse = this.legacySse;
    const legacy = path !== this.options.path && sse !== undefined && (path === sse.ssePath || path === sse.messagesPath);
    if (path !== this.options.path && !legacy) return json(res, 404, { error: 'Not found' });
    const rejection = guard(req.headers.host, req.headers.origin);
    if (rejection) {
      const suppressed = this.#refusedLog.take();
      if (suppressed >= 0)
        this.options.log.warn(
          { host: clip(req.headers.host, 128), origin: clip(req.headers.origin, 128), suppressed },
          'request refused: ' + rejection,
        );
      const err = new GatewayError('GW_FORBIDDEN_ORIGIN', `Forbidden: ${rejection}`);
      return sendError(res, null, err);
    }
    if (legacy) return this.#routeLegacySse(req, res, sse, path);
    switch (req.method) {
      case 'POST':
        this.endpoint.post(req, res).catch((err: unknown) => {
          this.options.log.error({ err: String(err) }, 'unhandled error in POST handler');
          sendError(res, null, new GatewayError('GW_INTERNAL', 'Internal error'));
        });
        return;
      case 'GET':
        if (req.headers['mcp-session-id'] === undefined) return sendGetWithoutSession(res, this.options.path, sse?.ssePath);
        return this.endpoint.get(req, res);
      case 'DELETE':
        return this.endpoint.delete(req, res);
      default:
        methodNotAllowed(res, 'GET, POST, DELETE');
    }
  }

  #routeLegacySse(req: IncomingMessage, res: ServerResponse, sse: LegacySseEndpoint, path: string): void {
    const stream = path === sse.ssePath;
    if (stream && req.method === 'GET') return sse.open(req, res);
    if (!stream && req.method === 'POST') {
      sse.post(req, res).catch((err: unknown) => {
        this.options.log.error({ err: String(err) }, 'unhandled error in SSE messages handler');
        sendError(res, null, new GatewayError('GW_INTERNAL', 'Internal error'));
      });
      return;
    }
    methodNotAllowed(res, stream ? 'GET' : 'POST');
  }

  #logDrop(res: ServerResponse, bufferedBytes: number, limit: DropLimit): void {
    const suppressed = this.#dropLog.take();
    if (suppressed < 0) return;
    this.options.log.warn(
      {
        method: res.req.method,
        remote: res.req.socket.remoteAddress,
        bufferedBytes,
        limitBytes: this.options.maxStreamBufferBytes,
        suppressed,
      },
      limit === 'server.timeouts.stallMs'
        ? 'caller response dropped: it did not read the end of its answer (server.timeouts.stallMs)'
        : 'caller stream dropped: it stopped reading (server.limits.maxStreamBufferBytes); its call is cancelled',
    );
  }
}

/** A sweep several times per timeout, within [25 ms, 1 s]: timeouts fire at most a quarter late. */
function checkingIntervalMs(headersMs: number, requestMs: number): number {
  return Math.max(25, Math.min(1_000, Math.floor(Math.min(headersMs, requestMs) / 4)));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
