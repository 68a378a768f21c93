import { num, str, type CommandDefinition } from './command.js';
import { CONFIG_OPTION, LOG_OPTIONS } from './common-options.js';

const DEFAULT_WAIT_READY_MS = 30_000;

/** `breakwater serve`: the gateway on Streamable HTTP (and legacy SSE when enabled). */
export const command: CommandDefinition = {
  positionals: { usage: '[FILE]', max: 1 },
  description:
    'Progress, "breakwater listening on URL" and a summary go to stdout; logs go to stderr. Ctrl-C drains\n' +
    'in-flight calls and stops; a second Ctrl-C forces the exit.',
  options: {
    ...CONFIG_OPTION,
    port: { type: 'string', short: 'p', value: 'N', kind: 'port', help: 'listen on this port, 0 = any free port (overrides server.port)' },
    host: { type: 'string', value: 'HOST', help: 'listen on this address (overrides server.host)' },
    ...LOG_OPTIONS,
    'wait-ready': {
      type: 'string',
      value: 'MS',
      kind: 'ms',
      optionalValue: true,
      help: `announce "listening" only once every upstream is ready; exit 1 if not within MS (default ${DEFAULT_WAIT_READY_MS})`,
    },
  },
  examples: ['breakwater serve', 'breakwater serve --config breakwater.yaml --port 9000', 'breakwater serve --wait-ready=60000'],
  exitCodes: {
    1: 'the config is invalid, the port is busy, or (--wait-ready) an upstream did not come up',
    2: 'usage error, or no config file found',
    130: 'stopped by a second Ctrl-C (forced, no drain)',
  },
  run: async (args, io) => {
    // Loaded here, not at the top: --help and argument errors must not pay for loading the gateway.
    const [{ loadServeConfig, serveConfigFile }, { cliLogger }, { runGateway }] = await Promise.all([
      import('./serve-config.js'),
      import('./cli-logger.js'),
      import('./run-gateway.js'),
    ]);
    const config = loadServeConfig(args, io);
    const log = cliLogger(config.logging.level, str(args, 'log-format'));
    const wait = args.values['wait-ready'];
    const configFile = serveConfigFile(args);
    return runGateway(config, log, io, {
      ...(configFile !== undefined && { configFile }),
      ...(wait !== undefined && { waitReadyMs: num(args, 'wait-ready', DEFAULT_WAIT_READY_MS) }),
    });
  },
};
