import { z } from 'zod';
import { DEFAULT_MAX_JSON_DEPTH } from '../core/json-limits.js';
import { upstreamGuardsSchema } from './guards-schema.js';
import { policyScopeSchema, toolPolicyScopeSchema } from './policy-schema.js';
import { arg, bool, envMap, glob, headerMap, httpUrl, int, ms, positiveMs, text } from './primitives.js';
import { checkEndpoint } from './endpoint-check.js';
import { sandboxSchema } from './sandbox-schema.js';
import { upstreamAuthSchema } from './upstream-auth-schema.js';
import { inferTransport, TRANSPORTS } from './transport.js';

/** Largest settable upstream message: well under V8's longest string, which a message must fit in. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

// No defaults here: they depend on each replica's transport (stdio vs HTTP/SSE), see upstream/spec.ts.
const restart = z.strictObject({
  initialDelayMs: ms().optional(),
  maxDelayMs: positiveMs().optional(),
  maxRestarts: int(0).optional(),
  windowMs: positiveMs().optional(),
});

/** A root the gateway may answer an upstream's `roots/list` with (the spec allows `file://` URIs only). */
const root = z.strictObject({
  uri: text().regex(/^file:\/\/\S*$/, { error: 'expected a file:// URI' }),
  name: text().optional(),
});

/** Bounds of the per-caller connections of an isolated upstream. */
const isolationPool = z.strictObject({
  max: int(1, 10_000).default(32),
  idleTimeoutMs: positiveMs().default(5 * 60_000),
});

const toolFilter = z.strictObject({
  allow: z.array(glob()).optional(),
  deny: z.array(glob()).default([]),
});

/** How to start or reach one endpoint: a command (stdio) or a URL (HTTP); shared by upstreams and replicas. */
const endpointFields = {
  command: text().optional(),
  args: z.array(arg()).default([]),
  env: envMap().default({}),
  cwd: text().optional(),
  url: httpUrl().optional(),
  headers: headerMap().default({}),
};

/** One extra endpoint of an upstream: an HTTP URL or a command, plus its share of traffic. */
export const replicaSchema = z
  .strictObject({
    ...endpointFields,
    weight: int(1, 1000).default(1),
  })
  .superRefine((replica, ctx) => checkEndpoint(replica, undefined, ctx), { when: () => true });

const upstreamFields = z.strictObject({
  transport: z.enum(TRANSPORTS).optional(),
  ...endpointFields,
  era: z.enum(['auto', 'dual', 'legacy', 'modern']).default('auto'),
  // Bound on opening a link (spawn or connect, handshake); the era probe gets half of it.
  connectTimeoutMs: positiveMs().default(10_000),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{0,64}$/, { error: 'expected up to 64 of A-Z a-z 0-9 _ . - (or "" for no prefix)' })
    .optional(),
  trusted: bool().default(false),
  // Who gets their own connection (child / upstream session) for calls: nobody, each session, each principal.
  isolation: z.enum(['shared', 'per-session', 'per-principal']).default('shared'),
  isolationPool: isolationPool.prefault({}),
  enabled: bool().default(true),
  // false: the gateway is ready (/readyz) without this upstream (an optional tool source).
  required: bool().default(true),
  // Limits on what this upstream may send (every replica): a bigger or deeper message is its protocol error.
  maxMessageBytes: int(1024, MAX_MESSAGE_BYTES).default(16 * 1024 * 1024),
  maxJsonDepth: int(2, 10_000).default(DEFAULT_MAX_JSON_DEPTH),
  // Present (even []) ⇒ `roots` is declared upstream and `roots/list` always has an answer.
  roots: z.array(root).max(256).optional(),
  tools: toolFilter.prefault({}),
  restart: restart.prefault({}),
  replicas: z.array(replicaSchema).default([]),
  policies: policyScopeSchema.prefault({}),
  toolPolicies: z.record(glob(), toolPolicyScopeSchema).default({}),
  guards: upstreamGuardsSchema.prefault({}),
  // Streamable HTTP only: the gateway's own OAuth token for this upstream (issue 9 item 4, ADR 0022).
  auth: upstreamAuthSchema.optional(),
  // stdio only: run the child under bubblewrap with resource limits (absent: not sandboxed).
  sandbox: sandboxSchema.optional(),
});

/** One upstream as written; `transport` is filled in (inferred when absent), `prefix` later by name. */
export const upstreamSchema = upstreamFields
  .superRefine((upstream, ctx) => checkEndpoint(upstream, upstream.transport, ctx), { when: () => true })
  .refine((u) => u.sandbox === undefined || (u.transport ?? inferTransport(u)) === 'stdio', {
    error: 'sandbox confines a child process: it applies to stdio upstreams (command) only',
    path: ['sandbox'],
  })
  .refine((u) => u.auth === undefined || (u.transport ?? inferTransport(u)) === 'streamable-http', {
    error: 'auth obtains an OAuth token for a Streamable HTTP upstream (url); use headers for sse',
    path: ['auth'],
  })
  .refine((u) => u.auth === undefined || !Object.keys(u.headers).some((h) => h.toLowerCase() === 'authorization'), {
    error: 'auth sets the Authorization header: remove it from headers',
    path: ['headers'],
  })
  .transform((upstream) => ({ ...upstream, transport: upstream.transport ?? inferTransport(upstream) }));
