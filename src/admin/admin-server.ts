import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { scrubSecrets, type Logger } from '../core/index.js';
import { AdminAuth, isLoopback, type RouteAccess } from './admin-auth.js';

/** One admin route: who may call it, and what answers. */
export interface AdminRoute {
  readonly method: 'GET' | 'POST';
  readonly access: RouteAccess;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

/** The admin listener's settings (the `admin` config section, token resolved). */
export interface AdminServerOptions {
  readonly host: string;
  readonly port: number;
  readonly token: string | undefined;
  readonly metricsPublic: boolean;
  readonly log: Logger;
}

/**
 * The operations listener: its own port (never the MCP port), loopback by default, a route table that
 * later items (admin API, dashboard, reload) extend with `route()`. Protected routes need the admin token;
 * a listener on a non-loopback address refuses to start without one.
 */
export class AdminServer {
  readonly #routes = new Map<string, AdminRoute>();
  readonly #auth: AdminAuth;
  #server: Server | undefined;
  #address: AddressInfo | undefined;

  constructor(private readonly options: AdminServerOptions) {
    this.#auth = new AdminAuth(options.token, options.metricsPublic);
  }

  /** Adds (or replaces) the route at `path`. */
  route(path: string, route: AdminRoute): this {
    this.#routes.set(path, route);
    return this;
  }

  /** Starts listening; rejects on a bind error or an exposed listener without a token. */
  async listen(): Promise<AddressInfo> {
    const { host, port, log } = this.options;
    if (!isLoopback(host) && !this.#auth.configured)
      throw new Error(`admin.host ${host} is not a loopback address: set admin.token (or BREAKWATER_ADMIN_TOKEN) first`);
    const server = createServer((req, res) => void this.#serve(req, res));
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    this.#address = server.address() as AddressInfo;
    log.info({ admin: this.url, token: this.#auth.configured }, 'admin listener started');
    return this.#address;
  }

  /** `http://host:port` of the listener (after listen). */
  get url(): string {
    const a = this.#address;
    if (!a) throw new Error('admin listener not started');
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  /** Stops accepting and closes every connection. */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = this.#routes.get(q === -1 ? url : url.slice(0, q));
    try {
      if (!route) return sendJson(res, 404, { error: 'Not found' });
      if (req.method !== route.method) return sendJson(res, 405, { error: `Use ${route.method}` });
      if (!this.#auth.allows(req, route.access)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="breakwater-admin"');
        return sendJson(res, 401, {
          error: this.#auth.configured ? 'Admin token required (Authorization: Bearer …)' : 'No admin token configured (admin.token)',
        });
      }
      await route.handle(req, res);
    } catch (err) {
      this.options.log.error({ err: err instanceof Error ? err.message : String(err), path: url }, 'admin route failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal error' });
      else res.destroy();
    }
  }
}

/** Writes a JSON response, with known secrets and credential shapes scrubbed (the admin API's one exit). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = scrubSecrets(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
