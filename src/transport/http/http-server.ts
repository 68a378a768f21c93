import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../../core/index.js';
import { createOriginGuard, isLoopbackAddress } from './origin-guard.js';
import type { McpEndpoint } from './mcp-endpoint.js';
import { LONG_LIVED_EVENT, sendError } from './mcp-endpoint.js';
import { preloadModernClassifier } from './modern-classifier.js';

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly allowedHosts: readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly log: Logger;
  /** `/readyz`: ready or not, with details for operators. */
  readonly readiness: () => { ready: boolean; details: Record<string, unknown> };
}

/** The gateway's HTTP listener: the MCP endpoint, health probes, and connection tracking for drain. */
export class HttpServer {
  readonly server: Server;
  #sockets = new Set<Socket>();
  #active = 0;
  #idleWaiters: (() => void)[] = [];
  #streams = new Set<ServerResponse>();

  constructor(
    private readonly options: HttpServerOptions,
    private readonly endpoint: McpEndpoint,
  ) {
    const guard = createOriginGuard({
      loopback: isLoopbackAddress(options.host),
      allowedHosts: options.allowedHosts,
      allowedOrigins: options.allowedOrigins,
    });
    this.server = createServer({ headersTimeout: 10_000, requestTimeout: 0, keepAliveTimeout: 65_000 }, (req, res) => {
      this.#active++;
      let counted = true;
      const done = () => {
        if (!counted) return;
        counted = false;
        if (--this.#active === 0) for (const w of this.#idleWaiters.splice(0)) w();
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
    });
    this.server.on('connection', (socket) => {
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
    if (this.#active === 0) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = await Promise.race([
      new Promise<boolean>((r) => this.#idleWaiters.push(() => r(true))),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms))),
    ]);
    clearTimeout(timer);
    return done;
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
    return this.#active;
  }

  #route(req: IncomingMessage, res: ServerResponse, guard: ReturnType<typeof createOriginGuard>): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const { ready, details } = this.options.readiness();
      return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', ...details });
    }
    if (path !== this.options.path) return json(res, 404, { error: 'Not found' });
    const rejection = guard(req.headers.host, req.headers.origin);
    if (rejection) {
      this.options.log.warn({ host: req.headers.host, origin: req.headers.origin }, 'request refused: ' + rejection);
      return sendError(res, 403, null, { code: -32600, message: `Forbidden: ${rejection}`, data: { code: 'GW_FORBIDDEN_ORIGIN' } });
    }
    switch (req.method) {
      case 'POST':
        this.endpoint.post(req, res).catch((err: unknown) => {
          this.options.log.error({ err: String(err) }, 'unhandled error in POST handler');
          sendError(res, 500, null, { code: -32603, message: 'Internal error', data: { code: 'GW_INTERNAL' } });
        });
        return;
      case 'GET':
        return this.endpoint.get(req, res);
      case 'DELETE':
        return this.endpoint.delete(req, res);
      default:
        res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
