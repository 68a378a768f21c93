import { z } from 'zod';
import type { DeepReadonly } from './types.js';
import { bool, headerMap, httpUrl, int, ms, num, positiveMs, text } from './primitives.js';

// `alerts`: built-in rules over the observability channels and sampled gauges, and where they are sent
// (docs/operations.md, ADR 0026). A rule fires when its value stays past `threshold` for `forMs`, and
// resolves when it stays past the threshold moved back by `hysteresis.margin` for `hysteresis.clearForMs`.

const rule = (threshold: number, forMs: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .strictObject({
      enabled: bool().default(true),
      threshold: num(min, max).default(threshold),
      forMs: ms().default(forMs),
    })
    .prefault({});

const retry = z
  .strictObject({
    attempts: int(1, 10).default(4),
    backoffMs: positiveMs().default(500),
  })
  .prefault({});

const httpSink = {
  url: httpUrl(),
  headers: headerMap().default({}),
  timeoutMs: positiveMs().default(5_000),
  retry,
};

const sink = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('log') }),
  z.strictObject({ type: z.literal('webhook'), ...httpSink }),
  z.strictObject({ type: z.literal('slack'), ...httpSink }),
  z.strictObject({
    type: z.literal('pagerduty'),
    ...httpSink,
    url: httpUrl().default('https://events.pagerduty.com/v2/enqueue'),
    // The Events v2 integration key; usually `${secret:PAGERDUTY_KEY}`.
    routingKey: text(),
  }),
]);

export const alertsSchema = z.strictObject({
  enabled: bool().default(false),
  evaluateEveryMs: positiveMs().default(5_000),
  // Fired and resolved alerts kept for GET /alerts (oldest dropped first).
  historySize: int(1, 10_000).default(200),
  hysteresis: z
    .strictObject({
      // Fraction of the threshold the value must move back past before an alert resolves.
      margin: num(0, 1).default(0.1),
      clearForMs: ms().default(30_000),
    })
    .prefault({}),
  // Calls needed in the window before success rate and p95 are judged (a few calls prove nothing).
  minCalls: int(1).default(20),
  windowMs: positiveMs().default(60_000),
  rules: z
    .strictObject({
      breakerOpen: rule(1, 0, 1, 1),
      errorRate: rule(10, 30_000), // errors per minute, per upstream
      successRate: rule(0.95, 60_000, 0, 1), // fires below
      p95Latency: rule(1_000, 60_000), // ms, the SLO
      upstreamDown: rule(1, 30_000, 1, 1),
      crashLoop: rule(3, 0, 1), // child exits per window
      memory: rule(0.85, 60_000, 0, 1), // fraction of the memory available to the process
      cpu: rule(0.8, 120_000, 0, 1), // fraction of the available cores
      auditFailing: rule(1, 0, 1), // audit write failures per window
    })
    .prefault({}),
  sinks: z.array(sink).default([{ type: 'log' }]),
});

/** The validated `alerts` section (read-only, as the loaded config is frozen). */
export type AlertsConfig = DeepReadonly<z.output<typeof alertsSchema>>;
