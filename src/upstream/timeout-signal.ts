import { GatewayError } from '../errors/index.js';
import type { Clock } from '../core/index.js';

/**
 * A signal that aborts after `ms` on the injected clock (AbortSignal.timeout ignores it) with a
 * GW_TIMEOUT naming the scope; the timer is unref'd and `dispose` clears it.
 */
export function timeoutSignal(clock: Clock, ms: number, upstream: string, scope: string): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const timer = clock.setTimeout(
    () =>
      controller.abort(
        new GatewayError('GW_TIMEOUT', `Upstream ${upstream}: ${scope} timed out after ${ms} ms`, {
          data: { limitMs: ms, scope, upstream },
          upstreamFault: true,
        }),
      ),
    ms,
  );
  timer.unref?.();
  return { signal: controller.signal, dispose: () => clock.clearTimeout(timer) };
}
