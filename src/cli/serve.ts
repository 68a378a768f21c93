import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, parseConfig, type BreakwaterConfig } from '../config/index.js';
import { createLogger } from '../observability/logger.js';
import { flag, parseArgs } from './args.js';
import { runGateway } from './run-gateway.js';

/** Loads the config named by --config (or ./breakwater.yaml), applying --port/--host overrides. */
export function loadServeConfig(argv: string[]): BreakwaterConfig | number {
  const args = parseArgs(argv);
  const file = flag(args, 'config') ?? args.positionals[0] ?? (existsSync('breakwater.yaml') ? 'breakwater.yaml' : undefined);
  if (!file) {
    process.stderr.write('No config: pass --config FILE (or create breakwater.yaml). `breakwater demo` runs without one.\n');
    return 2;
  }
  let config: BreakwaterConfig;
  try {
    config = loadConfig(file).config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      return 1;
    }
    throw err;
  }
  const port = flag(args, 'port');
  const host = flag(args, 'host');
  if (port === undefined && host === undefined) return config;
  // Re-validated so the overridden config is checked and frozen like any other.
  const server = { ...config.server, ...(port !== undefined ? { port } : {}), ...(host !== undefined ? { host } : {}) };
  return parseConfig({ ...config, server }, file).config;
}

/** `breakwater serve`. */
export async function runServe(argv: string[]): Promise<number> {
  const config = loadServeConfig(argv);
  if (typeof config === 'number') return config;
  const log = createLogger({ level: config.logging.level });
  return runGateway(config, log, (gateway) => {
    process.stdout.write(`breakwater listening on ${gateway.url}\n`);
    log.info({ url: gateway.url, upstreams: [...gateway.upstreams.keys()] }, 'listening');
  });
}
