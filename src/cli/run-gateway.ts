import { Gateway } from '../app/index.js';
import type { BreakwaterConfig } from '../config/index.js';
import type { Logger } from '../core/index.js';
import { CliError, type CommandIo } from './command.js';
import { assertPortFree, listenError } from './port-check.js';
import { StartupProgress, type UpstreamOutcome } from './startup-progress.js';

/** How `serve` and `demo` run a gateway. */
export interface RunOptions {
  /** `--wait-ready`: announce only once every upstream is ready; exit 1 when they are not within this time. */
  readonly waitReadyMs?: number;
  /** Human lines after "breakwater listening on URL" (the demo's hints). */
  readonly banner?: (gateway: Gateway) => string[];
  /** The config file: a relative `storage.dir` (secrets, audit, pins) is taken from its folder. */
  readonly configFile?: string;
}

/**
 * Starts a gateway and holds the process until SIGTERM/SIGINT, then drains (in-flight calls finish up
 * to the drain deadline), closes sessions and stops child processes; exits 0. A second signal forces exit.
 * Human output (progress, "listening", the summary) goes to stdout; logs go to stderr.
 */
export async function runGateway(config: BreakwaterConfig, log: Logger, io: CommandIo, options: RunOptions = {}): Promise<number> {
  const { host, port } = config.server;
  await assertPortFree(host, port);
  const say = (line: string): unknown => io.stdout.write(`${line}\n`);
  const gateway = new Gateway({ config, log, ...(options.configFile !== undefined && { configFile: options.configFile }) });
  const progress = new StartupProgress(gateway, say);
  const stopped = holdUntilSignal(gateway, log);
  try {
    await gateway.start();
  } catch (err) {
    progress.stop();
    throw listenError(err as NodeJS.ErrnoException, host, port);
  }
  if (options.waitReadyMs !== undefined) {
    // A Ctrl-C while waiting stops at once rather than after the wait.
    const ready = await Promise.race([progress.allReady(options.waitReadyMs), stopped.then(() => 'stopped' as const)]);
    if (ready === 'stopped') {
      progress.stop();
      return stopped;
    }
    if (!ready) {
      progress.stop();
      await gateway.stop();
      throw new CliError(
        `not every upstream was ready within ${options.waitReadyMs} ms (${notReady(progress.outcomes)}); fix it (breakwater doctor shows why) or wait longer with --wait-ready=MS`,
      );
    }
  }
  say(`breakwater listening on ${gateway.url}`);
  for (const line of options.banner?.(gateway) ?? []) say(line);
  log.info({ url: gateway.url, upstreams: [...gateway.upstreams.keys()] }, 'listening');
  void progress.settled.then((outcomes) => say(summary(gateway, outcomes)));
  const code = await stopped;
  progress.stop();
  return code;
}

function summary(gateway: Gateway, outcomes: readonly UpstreamOutcome[]): string {
  const ready = outcomes.filter((o) => o.ready).length;
  const tools = gateway.aggregator.tools.size;
  const head = `breakwater: ${ready} of ${outcomes.length} upstream${outcomes.length === 1 ? '' : 's'} ready, ${tools} tool${tools === 1 ? '' : 's'}`;
  if (ready === outcomes.length) return head;
  return `${head}; not ready: ${notReady(outcomes)} (their tools are missing until they start; see the log on stderr)`;
}

function notReady(outcomes: readonly UpstreamOutcome[]): string {
  const failed = outcomes.filter((o) => !o.ready);
  return failed.length === 0 ? 'still starting' : failed.map((o) => `${o.name}: ${o.reason ?? 'not started'}`).join('; ');
}

/** Resolves with the exit code once a signal has drained and stopped the gateway (130 on a second signal). */
function holdUntilSignal(gateway: Gateway, log: Logger): Promise<number> {
  return new Promise<number>((resolve) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals): void => {
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
