import { z } from 'zod';
import { overridesOf } from './overrides.js';
import { bool, int, ms, num, positiveMs } from './primitives.js';

// The global `defaults` scope is parsed with these schemas, so every default lives here and nowhere else
// in config; upstream and tool scopes use the derived override schemas (see overrides.ts).

/** Failure kinds a retry may react to (only for idempotent calls, within the retry budget). */
export const RETRY_ON = ['unavailable', 'timeout', 'server-error', 'tool-error'] as const;

const retry = z.strictObject({
  enabled: bool().default(false),
  maxAttempts: int(1, 10).default(3),
  baseDelayMs: ms().default(25),
  maxDelayMs: ms().default(250),
  budgetPercent: num(0, 100).default(20),
  budgetMinConcurrency: int(0).default(3),
  retryOn: z.array(z.enum(RETRY_ON)).default(['unavailable', 'timeout', 'server-error']),
});

const breaker = z.strictObject({
  enabled: bool().default(true),
  consecutiveFailures: int(0).default(5),
  failureRateThreshold: num(0, 1).default(0.5),
  slowCallRateThreshold: num(0, 1).default(0.8),
  slowCallMs: ms().default(0),
  windowMs: positiveMs().default(10_000),
  minimumCalls: int(1).default(20),
  halfOpenProbes: int(1, 100).default(3),
  openMs: positiveMs().default(5_000),
  maxOpenMs: positiveMs().default(60_000),
});

const bulkhead = z.strictObject({
  enabled: bool().default(true),
  maxConcurrent: int(1).default(64),
  maxQueue: int(0).default(128),
  maxQueueWaitMs: ms().default(5_000),
});

const ejection = z.strictObject({
  consecutiveFailures: int(1).default(5),
  baseEjectionMs: positiveMs().default(30_000),
  maxEjectionPercent: num(0, 100).default(50),
});

const replicas = z.strictObject({
  strategy: z.enum(['failover', 'weighted', 'least-loaded', 'hedged']).default('failover'),
  hedgeDelayMs: ms().default(500),
  maxHedges: int(1, 5).default(1),
  ejection: ejection.prefault({}),
});

const cache = z.strictObject({
  enabled: bool().default(false),
  ttlMs: positiveMs().default(60_000),
  maxBytes: int(1).default(1_048_576),
  scope: z.enum(['public', 'private']).default('private'),
  staleIfErrorMs: ms().default(0),
  coalesce: bool().default(true),
});

// A static tools/call result returned instead of an error; `content` is what MCP requires of one.
const fallback = z.strictObject({
  result: z.looseObject({ content: z.array(z.looseObject({ type: z.string() })) }),
});

const healthCheck = z.strictObject({
  intervalMs: ms().default(30_000),
  method: z.enum(['ping', 'list']).default('ping'),
  timeoutMs: positiveMs().default(5_000),
});

/** The global scope: every field present after parsing. */
export const resolvedPolicyScopeSchema = z.strictObject({
  timeoutMs: ms().default(30_000),
  attemptTimeoutMs: ms().default(0),
  idempotent: bool().default(false),
  retry: retry.prefault({}),
  breaker: breaker.prefault({}),
  bulkhead: bulkhead.prefault({}),
  replicas: replicas.prefault({}),
  cache: cache.prefault({}),
  fallback: fallback.optional(),
  healthCheck: healthCheck.prefault({}),
});

/** An upstream scope: any subset of the global scope, merged over it. */
export const policyScopeSchema = overridesOf(resolvedPolicyScopeSchema);

/** A tool scope: like an upstream scope, minus what only makes sense per upstream. */
export const toolPolicyScopeSchema = policyScopeSchema.superRefine(
  (scope, ctx) => {
    if (typeof scope === 'object' && scope !== null && 'healthCheck' in scope)
      ctx.addIssue({
        code: 'custom',
        path: ['healthCheck'],
        message: "healthCheck applies to a whole upstream; set it in the upstream's policies",
      });
  },
  { when: () => true },
);
