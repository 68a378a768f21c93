import type { BreakwaterConfig } from '../config/index.js';
import type { Logger } from '../core/index.js';
import { AdminServer, sendJson } from '../admin/index.js';
import { subscribeAccessLog } from '../observability/access-log.js';
import type { Channels } from '../observability/index.js';
import { createLogger } from '../observability/logger.js';
import { createGatewayMetrics, type GatewayMetrics, type GatewayStateSource } from '../observability/metrics/index.js';
import { Readiness } from './gateway-state.js';

/** What the operations side reads from the gateway. */
export interface OperationsDeps {
  readonly config: BreakwaterConfig;
  readonly log: Logger;
  readonly channels: Channels;
  readonly state: GatewayStateSource;
  /** The gateway's `/readyz` verdict and details (shared by the MCP port and the admin listener). */
  readonly readiness: () => { ready: boolean; details: Record<string, unknown> };
}

/**
 * The subscribers and the admin listener of one gateway (issue 11): Prometheus metrics, the access log,
 * readiness detail, and the admin listener serving `/metrics`, `/healthz`, `/readyz`. Later items add
 * admin routes with `admin.route()`. Metrics subscribe at construction, so nothing published is missed.
 */
export class Operations {
  readonly readiness: Readiness;
  readonly metrics: GatewayMetrics | undefined;
  #admin: AdminServer | undefined;
  #offs: (() => void)[] = [];

  constructor(private readonly deps: OperationsDeps) {
    const { config, channels, state } = deps;
    this.readiness = new Readiness(config, state);
    const m = config.observability.metrics;
    this.metrics = m.enabled && config.admin.enabled ? createGatewayMetrics(channels, state, m) : undefined;
  }

  /** The admin listener, once started (admin.enabled). */
  get admin(): AdminServer | undefined {
    return this.#admin;
  }

  /**
   * Starts the access log (to stdout when the gateway serves HTTP, stderr under stdio where stdout is the
   * protocol, and/or a file) and the admin listener.
   */
  async start(stdoutIsProtocol: boolean): Promise<void> {
    const { config, log, channels } = this.deps;
    const access = config.observability.accessLog;
    if (access.enabled) {
      const sinks = [
        ...(access.stdout ? [createLogger({ level: 'info', destination: stdoutIsProtocol ? 2 : 1 })] : []),
        ...(access.file !== undefined ? [createLogger({ level: 'info', file: access.file })] : []),
      ];
      this.#offs.push(subscribeAccessLog(channels, sinks));
    }
    if (!config.admin.enabled) return;
    const admin = new AdminServer({
      host: config.admin.host,
      port: config.admin.port,
      token: config.admin.token ?? (process.env.BREAKWATER_ADMIN_TOKEN || undefined),
      metricsPublic: config.admin.metricsPublic,
      log,
    });
    admin.route('/healthz', { method: 'GET', access: 'public', handle: (_req, res) => sendJson(res, 200, { status: 'ok' }) });
    admin.route('/readyz', {
      method: 'GET',
      access: 'public',
      handle: (_req, res) => {
        const { ready, details } = this.deps.readiness();
        sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', ...details });
      },
    });
    const metrics = this.metrics;
    if (metrics)
      admin.route('/metrics', {
        method: 'GET',
        access: 'metrics',
        handle: async (_req, res) => {
          const text = await metrics.scrape();
          res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
      });
    await admin.listen();
    this.#admin = admin;
  }

  /** Stops the admin listener and every subscriber. */
  async stop(): Promise<void> {
    for (const off of this.#offs.splice(0)) off();
    this.metrics?.close();
    this.readiness.close();
    await this.#admin?.close();
  }
}
