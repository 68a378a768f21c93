import { Gateway } from '../app/index.js';
import { createLogger } from '../observability/logger.js';
import { StdioServer } from '../transport/stdio/stdio-server.js';
import { loadServeConfig } from './serve.js';

/** `breakwater stdio`: the gateway as a stdio server for desktop clients; logs go to stderr. */
export async function runStdio(argv: string[]): Promise<number> {
  const config = loadServeConfig(argv);
  if (typeof config === 'number') return config;
  const log = createLogger({ level: config.logging.level, destination: 2 });
  const gateway = new Gateway({ config, log });
  await gateway.start(false);
  const server = new StdioServer(gateway.layer, process.stdin, process.stdout, log);
  const signal = new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await Promise.race([server.closed, signal]);
  await gateway.stop();
  return 0;
}
