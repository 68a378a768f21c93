import { z } from 'zod';
import { bool, int } from './primitives.js';

// The `rateLimits` section (issue 9 item 3; design: docs/adr/0012-gcra-rate-limits-and-store-port.md).
// Each key is one limit applied to every call through the pipeline: GCRA windows (per second, minute,
// hour: a sustained rate each) with a burst, and an optional daily quota (a count per UTC day).

const MAX = 1_000_000_000;

/** One limit: `{ perMinute: 60, perHour: 1000, burst: 10 }` is the seed's 60/min · 1000/h · burst 10. */
export const rateLimitSchema = z
  .strictObject({
    perSecond: int(1, MAX).optional(),
    perMinute: int(1, MAX).optional(),
    perHour: int(1, MAX).optional(),
    // Calls admitted at once after a quiet spell, at the finest window's rate (default: that window's limit).
    burst: int(1, MAX).optional(),
    // A quota: calls per UTC calendar day, reset at 00:00 UTC.
    perDay: int(1, MAX).optional(),
  })
  .refine((l) => l.perSecond !== undefined || l.perMinute !== undefined || l.perHour !== undefined || l.perDay !== undefined, {
    error: 'expected at least one of perSecond, perMinute, perHour, perDay',
  });

export const rateLimitsSchema = z.strictObject({
  // Log and publish rejections without enforcing them (to size limits on real traffic first).
  shadow: bool().default(false),
  // Keyed by the caller's principal (all its calls).
  principal: rateLimitSchema.optional(),
  // Keyed by principal × tool (tools/call only).
  principalTool: rateLimitSchema.optional(),
  // Keyed by upstream (every caller's calls to it).
  upstream: rateLimitSchema.optional(),
  // One limit for every call through the gateway.
  global: rateLimitSchema.optional(),
  // Most keys the in-process store holds; idle keys are dropped first (their state is "full" anyway).
  maxKeys: int(1_000, 10_000_000).default(100_000),
});
