import { str, type CommandDefinition } from './command.js';
import { CONFIG_OPTION, LOG_OPTIONS } from './common-options.js';

/** `breakwater stdio`: the gateway as a stdio server for desktop clients; stdout carries the protocol, logs go to stderr. */
export const command: CommandDefinition = {
  positionals: { usage: '[FILE]', max: 1 },
  description:
    'For Claude Desktop, Cursor, VS Code and other clients that launch MCP servers as a child process:\n' +
    'stdout carries MCP (JSON-RPC), logs go to stderr (JSON unless --log-format pretty).',
  options: { ...CONFIG_OPTION, ...LOG_OPTIONS },
  examples: ['breakwater stdio --config /path/to/breakwater.yaml'],
  exitCodes: { 1: 'the config is invalid', 2: 'usage error, or no config file found' },
  run: async (args, io) => {
    // Loaded here, not at the top: --help and argument errors must not pay for loading the gateway.
    const [{ Gateway }, { stdioPrincipal }, { StdioServer }, { cliLogger }, { loadServeConfig, serveConfigFile }] = await Promise.all([
      import('../app/index.js'),
      import('../app/auth-wiring.js'),
      import('../transport/stdio/stdio-server.js'),
      import('./cli-logger.js'),
      import('./serve-config.js'),
    ]);
    const config = loadServeConfig(args, io);
    // JSON unless asked: desktop clients keep stderr in log files, where colour codes would only clutter.
    const log = cliLogger(config.logging.level, str(args, 'log-format') ?? 'json');
    // The config file's folder anchors a relative storage.dir (pins.db, keys.db, …), as for `serve`.
    const configFile = serveConfigFile(args);
    const gateway = new Gateway({ config, log, ...(configFile !== undefined && { configFile }) });
    await gateway.start(false);
    const server = new StdioServer(gateway.layer, process.stdin, process.stdout, log, stdioPrincipal(config), config.server.maxBodyBytes);
    const signal = new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    });
    await Promise.race([server.closed, signal]);
    await gateway.stop();
    return 0;
  },
};
