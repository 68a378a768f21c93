import { z } from 'zod';
import { DEFAULT_MAX_JSON_DEPTH } from '../core/json-limits.js';
import { alertsSchema } from './alerts-schema.js';
import { auditSchema } from './audit-schema.js';
import { authorizationSchema } from './authorization-schema.js';
import { adminSchema, observabilitySchema } from './observability-schema.js';
import { guardsDefaultsSchema } from './guards-schema.js';
import { resolvedPolicyScopeSchema } from './policy-schema.js';
import { secretsSchema } from './secrets-schema.js';
import { pinningSchema } from './pinning-schema.js';
import { authSchema, checkAnonymousBind, edgeSchema, tlsSchema } from './auth-schema.js';
import { bool, int, ms, positiveMs, text, UPSTREAM_NAME } from './primitives.js';
import { rateLimitsSchema } from './rate-limits-schema.js';
import { upstreamSchema } from './upstream-schema.js';

const origin = z.string().refine(
  (s) => {
    try {
      return new URL(s).origin === s;
    } catch {
      return false;
    }
  },
  { error: 'expected an origin like https://app.example.com (scheme, host and optional port, no path)' },
);

const server = z.strictObject({
  host: text().default('127.0.0.1'),
  port: int(0, 65_535).default(8080),
  path: z
    .string()
    .regex(/^\/\S*$/, { error: 'expected a path starting with "/"' })
    .default('/mcp'),
  allowedOrigins: z.array(origin).default([]),
  allowedHosts: z.array(text()).default([]),
  maxBodyBytes: int(1024).default(4 * 1024 * 1024),
  // Items per page of aggregated lists (tools, prompts, resources, templates); 0 serves each list whole.
  listPageSize: int(0, 100_000).default(0),
  drainTimeoutMs: ms().default(10_000),
  name: text().default('breakwater'),
  // The 2024-11-05 HTTP+SSE transport, at `sse` and `messages` beside `path`.
  legacySse: z.strictObject({ enabled: bool().default(true) }).prefault({}),
  // Optional TLS (cert/key files, reloaded on change) and edge protection (security headers, IP allow/deny).
  tls: tlsSchema.optional(),
  edge: edgeSchema.prefault({}),
  maxConnections: int(1).default(1024),
  timeouts: z
    .strictObject({
      headersMs: positiveMs().default(10_000),
      requestMs: positiveMs().default(30_000),
      keepAliveMs: positiveMs().default(65_000),
      // An ended response still holding more than limits.maxStreamBufferBytes must reach its caller within this.
      stallMs: positiveMs().default(60_000),
    })
    .refine((t) => t.headersMs <= t.requestMs, {
      error: 'expected headersMs <= requestMs (the body arrives after the headers)',
      path: ['headersMs'],
    })
    .prefault({}),
  sessions: z
    .strictObject({
      idleTimeoutMs: positiveMs().default(30 * 60_000),
      maxSessions: int(1).default(10_000),
      maxPerClient: int(1).default(1000),
      maxStateBytes: int(1024).default(16 * 1024),
      maxInFlight: int(1).default(256),
      maxPendingClientRequests: int(1).default(64),
      maxSubscriptions: int(1).default(256),
      maxStreams: int(1).default(10_000),
    })
    .prefault({}),
  limits: z
    .strictObject({
      maxJsonDepth: int(2, 10_000).default(DEFAULT_MAX_JSON_DEPTH),
      maxStreamBufferBytes: int(16 * 1024).default(4 * 1024 * 1024),
    })
    .prefault({}),
  // SSE resumability for legacy (2025-11-25) callers, SEP-1699: event ids, a replay buffer, SSE polling.
  streams: z
    .strictObject({
      replayBytes: int(0).default(1024 * 1024),
      replayAgeMs: positiveMs().default(60_000),
      pollAfterMs: ms().default(0),
      retryMs: ms().default(1_000),
      sse: z.enum(['auto', 'always']).default('auto'),
    })
    .prefault({}),
  // Modern callers of legacy upstreams: server→client requests become InputRequiredResults; the upstream
  // call waits (parked) for the caller's retry.
  inputBridge: z
    .strictObject({
      maxParked: int(1).default(1024),
      ttlMs: positiveMs().default(120_000),
    })
    .prefault({}),
});

const logging = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const namespace = z.strictObject({
  separator: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,8}$/, { error: 'expected 1 to 8 of A-Z a-z 0-9 _ . -' })
    .default('__'),
});

// Where the embedded stores (API keys, secrets, audit, tool pins) keep their SQLite files. A relative dir is
// resolved against the config file's folder (storagePath()), so `serve` and the CLI commands agree.
const storage = z.strictObject({
  dir: z.string().min(1).default('.breakwater'),
});

const fields = z.strictObject({
  server: server.prefault({}),
  storage: storage.prefault({}),
  secrets: secretsSchema.prefault({}),
  audit: auditSchema.prefault({}),
  logging: logging.prefault({}),
  admin: adminSchema.prefault({}),
  observability: observabilitySchema.prefault({}),
  alerts: alertsSchema.prefault({}),
  namespace: namespace.prefault({}),
  pinning: pinningSchema.prefault({}),
  defaults: resolvedPolicyScopeSchema.prefault({}),
  guards: guardsDefaultsSchema.prefault({}),
  upstreams: z.record(z.string(), upstreamSchema).default({}),
  // Absent: anonymous callers, accepted on a loopback bind only (checkAnonymousBind).
  auth: authSchema.optional(),
  // Absent: every caller may call everything (no authorization policy, lists unfiltered).
  authorization: authorizationSchema.optional(),
  // Absent: no rate limits.
  rateLimits: rateLimitsSchema.optional(),
});

// Names must be safe in prefixes, metric labels and logs. Routing splits `prefix + separator + tool`, so
// a prefix holding the separator, or two upstreams sharing one, would make names ambiguous (empty prefixes
// may repeat: the router disambiguates clashing tools). Reads defensively: it runs even when other fields
// failed, so these problems come with the rest.
function checkNames(
  config: { namespace?: { separator?: unknown }; upstreams?: Record<string, { prefix?: unknown }> },
  ctx: z.RefinementCtx,
): void {
  if (typeof config !== 'object' || config === null) return;
  const seen = new Map<string, string>();
  const sep = typeof config.namespace?.separator === 'string' ? config.namespace.separator : '__';
  for (const [name, upstream] of Object.entries(config.upstreams ?? {})) {
    // Checked here, not as the record's key schema, which would skip validating the value.
    if (!UPSTREAM_NAME.test(name))
      ctx.addIssue({ code: 'custom', path: ['upstreams', name], message: 'invalid upstream name: expected 1 to 64 of A-Z a-z 0-9 _ -' });
    if (typeof upstream !== 'object' || upstream === null) continue;
    const prefix = typeof upstream.prefix === 'string' ? upstream.prefix : name;
    const path = upstream.prefix === undefined ? ['upstreams', name] : ['upstreams', name, 'prefix'];
    if (prefix.includes(sep))
      ctx.addIssue({
        code: 'custom',
        path,
        message: `prefix "${prefix}" contains the namespace separator "${sep}"; set a prefix without it`,
      });
    const other = seen.get(prefix);
    if (prefix !== '' && other !== undefined)
      ctx.addIssue({ code: 'custom', path, message: `prefix "${prefix}" is already used by upstream "${other}"` });
    seen.set(prefix, name);
  }
}

/** The native breakwater.yaml schema: parsing fills every default and resolves transports and prefixes. */
export const configSchema = fields
  .superRefine(checkNames, { when: () => true })
  .superRefine(checkAnonymousBind, { when: () => true })
  .transform((config) => ({
    ...config,
    upstreams: Object.fromEntries(
      Object.entries(config.upstreams).map(([name, upstream]) => [name, { ...upstream, prefix: upstream.prefix ?? name }]),
    ),
  }));
