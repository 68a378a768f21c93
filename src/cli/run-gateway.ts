import { Gateway } from '../app/index.js';
import type { BreakwaterConfig } from '../config/index.js';
import type { Logger } from '../core/index.js';

/**
 * Starts a gateway and holds the process until SIGTERM/SIGINT, then drains (in-flight calls finish up
 * to the drain deadline), closes sessions and stops child processes; exits 0. A second signal forces exit.
 */
export async function runGateway(config: BreakwaterConfig, log: Logger, onReady: (gateway: Gateway) => void): Promise<number> {
  const gateway = new Gateway({ config, log });
  await gateway.start();
  onReady(gateway);
  return new Promise<number>((resolve) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals) => {
      if (++signals > 1) return resolve(130);
      log.info({ signal }, 'draining');
      gateway.stop().then(
        () => {
          log.info({}, 'stopped');
          resolve(0);
        },
        (err: unknown) => {
          log.error({ err: String(err) }, 'stop failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
