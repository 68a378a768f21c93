import type { BreakwaterConfig } from '../config/index.js';
import type { Logger } from '../core/index.js';
import { AdminServer, sendJson } from '../admin/index.js';
import { subscribeAccessLog } from '../observability/access-log.js';
import type { Channels } from '../observability/index.js';
import { createLogger } from '../observability/logger.js';
import { createGatewayMetrics, type GatewayMetrics, type GatewayStateSource } from '../observability/metrics/index.js';
import type { GatewayTracing } from '../observability/tracing/index.js';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { AlertEngine } from '../observability/alerts/index.js';
import { startAlerts } from './alerts-wiring.js';
import { Readiness } from './gateway-state.js';
import type { AttemptHooks } from './observability-wiring.js';
import { VERSION } from './version.js';

/** What the operations side reads from the gateway. */
export interface OperationsDeps {
  readonly config: BreakwaterConfig;
  readonly log: Logger;
  readonly channels: Channels;
  readonly state: GatewayStateSource;
  /** The gateway's `/readyz` verdict and details (shared by the MCP port and the admin listener). */
  readonly readiness: () => { ready: boolean; details: Record<string, unknown> };
  /** Filled with the tracer when tracing is on (the attempt observer reads it). */
  readonly attemptHooks: AttemptHooks;
  /** Where spans go instead of OTLP/HTTP (tests: an in-memory exporter). */
  readonly spanExporter?: SpanExporter;
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
  #tracing: GatewayTracing | undefined;
  #offs: (() => void)[] = [];
  #alerts: AlertEngine | undefined;

  constructor(private readonly deps: OperationsDeps) {
    const { config, channels, state } = deps;
    this.readiness = new Readiness(config, state);
    const m = config.observability.metrics;
    this.metrics = m.enabled && config.admin.enabled ? createGatewayMetrics(channels, state, m) : undefined;
    // Subscribed now, like metrics, so upstream states published before start() are seen.
    const alerts = (this.#alerts = startAlerts(config, channels, deps.log));
    if (alerts) this.#offs.push(() => alerts.stop());
  }

  /** The tracer, once started (observability.tracing.enabled). */
  get tracing(): GatewayTracing | undefined {
    return this.#tracing;
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
    await this.#startTracing();
    const access = config.observability.accessLog;
    if (access.enabled) {
      const sinks = [
        ...(access.stdout ? [createLogger({ level: 'info', destination: stdoutIsProtocol ? 2 : 1, redactKeys: false })] : []),
        ...(access.file !== undefined ? [createLogger({ level: 'info', file: access.file, redactKeys: false })] : []),
      ];
      this.#offs.push(subscribeAccessLog(channels, sinks));
    }
    const alerts = this.#alerts;
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
    if (alerts)
      admin.route('/alerts', {
        method: 'GET',
        access: 'token',
        handle: (_req, res) => sendJson(res, 200, { active: alerts.active(), history: alerts.history() }),
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

  /**
   * Tracing, loaded only when on (the OpenTelemetry SDK stays out of the process otherwise): its own
   * provider, OTLP/HTTP to `observability.tracing.endpoint`.
   */
  async #startTracing(): Promise<void> {
    const t = this.deps.config.observability.tracing;
    if (!t.enabled) return;
    const { createGatewayTracing } = await import('../observability/tracing/index.js');
    const exporter =
      this.deps.spanExporter ??
      new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url: t.endpoint, headers: { ...t.headers } });
    this.#tracing = createGatewayTracing(this.deps.channels, {
      serviceName: t.serviceName,
      serviceVersion: VERSION,
      sampleRatio: t.sampleRatio,
      exporter,
      simple: this.deps.spanExporter !== undefined,
    });
    this.deps.attemptHooks.tracer = this.#tracing;
  }

  /** Stops the admin listener and every subscriber (pending spans are flushed). */
  async stop(): Promise<void> {
    for (const off of this.#offs.splice(0)) off();
    delete this.deps.attemptHooks.tracer;
    await this.#tracing
      ?.shutdown()
      .catch((err: unknown) =>
        this.deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'trace export at shutdown failed'),
      );
    this.metrics?.close();
    this.readiness.close();
    await this.#admin?.close();
  }
}
