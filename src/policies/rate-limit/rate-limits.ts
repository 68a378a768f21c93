import type { Principal } from '../../pipeline/index.js';
import type { RateCheck } from './rate-limit-store.js';

/** One limit as the config writes it (`{ perMinute: 60, perHour: 1000, burst: 10 }`). */
export interface RateLimitConfig {
  readonly perSecond?: number | undefined;
  readonly perMinute?: number | undefined;
  readonly perHour?: number | undefined;
  readonly burst?: number | undefined;
  readonly perDay?: number | undefined;
}

/** The `rateLimits` config section. */
export interface RateLimitsConfig {
  readonly shadow: boolean;
  readonly principal?: RateLimitConfig | undefined;
  readonly principalTool?: RateLimitConfig | undefined;
  readonly upstream?: RateLimitConfig | undefined;
  readonly global?: RateLimitConfig | undefined;
  readonly maxKeys: number;
}

/** Which key a limit counts: the caller, the caller on one tool, the upstream, or everything. */
export type RateScope = 'principal' | 'principalTool' | 'upstream' | 'global';

/** What a check stands for, for the error, the 429 headers and the event. */
export interface RateWindow {
  readonly scope: RateScope;
  /** `perSecond`, `perMinute`, `perHour` or `perDay`. */
  readonly window: string;
  /** The configured count per window, and the window in seconds (RateLimit-Policy `q` and `w`). */
  readonly quota: number;
  readonly windowSeconds: number;
}

const WINDOWS = [['perSecond', 1] as const, ['perMinute', 60] as const, ['perHour', 3600] as const];

/** One scope's windows, compiled once: a check template per window with the key left to fill. */
export interface CompiledScope {
  readonly scope: RateScope;
  readonly windows: readonly RateWindow[];
  /** The checks for one key (one per window). */
  checks(key: string): RateCheck[];
}

/**
 * Compiles one limit: each of perSecond/perMinute/perHour becomes a GCRA check at its sustained rate;
 * the finest of them admits `burst` calls at once (default: its own limit), coarser ones their own
 * limit. `perDay` is a quota: a count per UTC day.
 */
export function compileScope(scope: RateScope, limit: RateLimitConfig): CompiledScope {
  const windows: RateWindow[] = [];
  const templates: { kind: 'gcra'; intervalMs: number; burst: number; name: string }[] = [];
  for (const [name, seconds] of WINDOWS) {
    const count = limit[name];
    if (count === undefined) continue;
    const burst = templates.length === 0 ? (limit.burst ?? count) : count;
    templates.push({ kind: 'gcra', intervalMs: (seconds * 1000) / count, burst, name });
    windows.push({ scope, window: name, quota: count, windowSeconds: seconds });
  }
  const perDay = limit.perDay;
  if (perDay !== undefined) windows.push({ scope, window: 'perDay', quota: perDay, windowSeconds: 86_400 });
  return {
    scope,
    windows,
    checks(key) {
      const out: RateCheck[] = templates.map((t) => ({
        kind: 'gcra',
        key: `${scope}\0${key}\0${t.name}`,
        intervalMs: t.intervalMs,
        burst: t.burst,
      }));
      if (perDay !== undefined) out.push({ kind: 'window', key: `${scope}\0${key}\0perDay`, windowMs: 86_400_000, limit: perDay });
      return out;
    },
  };
}

/** A principal's key: its kind and id (all anonymous callers share one key). */
export function principalKey(p: Principal): string {
  return `${p.kind}:${p.id}`;
}
