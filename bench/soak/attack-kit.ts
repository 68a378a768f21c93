// What every attacker gets, and the bounded loop they run in.
import { Pool } from 'undici';
import { failureOf, pause, type Tally } from './wire.js';

/** The context of one soak's attackers. */
export interface AttackContext {
  url: URL;
  tally: Tally;
  stop: AbortSignal;
  maxConnections: number;
  maxBodyBytes: number;
}

/** An undici pool of at most `connections` sockets to the gateway; bounded waits, so a stall is counted, not hung. */
export function attackerPool(ctx: AttackContext, connections = 2): Pool {
  return new Pool(ctx.url.origin, { connections, pipelining: 1, headersTimeout: 60_000, bodyTimeout: 60_000, connectTimeout: 10_000 });
}

/**
 * Runs `workers` loops of `step` until stop, at most one step in flight per loop and at least `everyMs`
 * between the starts of one loop's steps. A step that throws is counted under `who` by its error code.
 */
export async function repeat(
  ctx: AttackContext,
  who: string,
  o: { workers: number; everyMs: number },
  step: (worker: number) => Promise<void>,
): Promise<void> {
  const loop = async (w: number): Promise<void> => {
    while (!ctx.stop.aborted) {
      const t0 = Date.now();
      try {
        await step(w);
      } catch (e) {
        if (!ctx.stop.aborted) ctx.tally.add(who, failureOf(e));
      }
      await pause(Math.max(0, o.everyMs - (Date.now() - t0)), ctx.stop);
    }
  };
  await Promise.all(Array.from({ length: o.workers }, (_, w) => loop(w)));
}

/** A coarse label for how long something lasted. */
export function durationLabel(ms: number): string {
  if (ms < 1_000) return '<1s';
  if (ms < 5_000) return '1-5s';
  if (ms < 15_000) return '5-15s';
  if (ms < 35_000) return '15-35s';
  return '>35s';
}
