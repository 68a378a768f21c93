import { z } from 'zod';
import { bool, headerMap, httpUrl, int, num, text } from './primitives.js';

// `admin`: the operations listener (metrics, health, later the admin API and dashboard). Its own port, never
// the MCP port; loopback by default. A token (here, usually `${env:BREAKWATER_ADMIN_TOKEN}`, or that
// variable itself) is required for everything but /healthz, /readyz and, when `metricsPublic`, /metrics.
export const adminSchema = z.strictObject({
  enabled: bool().default(false),
  host: text().default('127.0.0.1'),
  port: int(0, 65_535).default(9464),
  token: z.string().min(16, { error: 'expected at least 16 characters (use a random secret)' }).optional(),
  // Serve /metrics without the token (a Prometheus on the same host or a trusted network scrapes it).
  metricsPublic: bool().default(false),
});

// `observability`: the subscribers of the observability channels (docs/operations.md).
export const observabilitySchema = z.strictObject({
  metrics: z
    .strictObject({
      enabled: bool().default(true),
      // Distinct tool/prompt names kept as label values; later names are counted as `other`.
      maxToolLabels: int(1, 10_000).default(200),
      // Node.js process and system metrics (CPU, memory, event-loop lag, load average).
      process: bool().default(true),
    })
    .prefault({}),
  accessLog: z
    .strictObject({
      enabled: bool().default(false),
      // Also (or only, with `stdout: false`) append the lines to this file (JSON lines).
      file: text().optional(),
      stdout: bool().default(true),
    })
    .prefault({}),
  tracing: z
    .strictObject({
      enabled: bool().default(false),
      // OTLP/HTTP traces endpoint (e.g. http://127.0.0.1:4318/v1/traces).
      endpoint: httpUrl().optional(),
      headers: headerMap().default({}),
      serviceName: text().default('breakwater'),
      // Fraction of calls without a sampled parent that are recorded (parent-based otherwise).
      sampleRatio: num(0, 1).default(1),
    })
    .refine((t) => !t.enabled || t.endpoint !== undefined, {
      error: 'observability.tracing.endpoint is required when tracing is enabled (e.g. http://127.0.0.1:4318/v1/traces)',
      path: ['endpoint'],
    })
    .prefault({}),
});

/** The `admin` section, validated. */
export type AdminConfig = z.output<typeof adminSchema>;
/** The `observability` section, validated. */
export type ObservabilityConfig = z.output<typeof observabilitySchema>;
