import { ConfigError, formatProblem, loadConfig } from '../config/index.js';
import { str, type CommandDefinition, type CommandIo } from './command.js';
import { invoke } from './invoke.js';
import { secretOpener } from '../app/secret-wiring.js';

/** Where a command writes; process.stdout/stderr fit, and tests pass string collectors. */
export type CommandOutput = Pick<CommandIo, 'stdout' | 'stderr'>;

/**
 * `breakwater check-config [FILE]`: validates a config file without starting anything. Exit 0 when valid
 * (one summary line), 1 when invalid (every problem on its own line), 2 when the file cannot be read or
 * parsed, or on a usage error.
 */
export const command: CommandDefinition = {
  positionals: { usage: '[FILE]', max: 1 },
  options: { config: { type: 'string', short: 'c', value: 'FILE', help: 'the config file (same as FILE)', default: 'breakwater.yaml' } },
  examples: ['breakwater check-config breakwater.yaml', 'breakwater check-config --config claude_desktop_config.json'],
  exitCodes: { 1: 'the config is invalid (every problem listed)', 2: 'the file cannot be read or parsed, or a usage error' },
  run: async (args, io) => {
    if (str(args, 'config') !== undefined && args.positionals.length > 0) {
      io.stderr.write('breakwater check-config: give the file once, as FILE or --config FILE (see breakwater check-config --help)\n');
      return 2;
    }
    const file = str(args, 'config') ?? args.positionals[0] ?? 'breakwater.yaml';
    try {
      const { config, skipped, warnings } = loadConfig(file, io.env, { secrets: secretOpener });
      for (const w of warnings) io.stderr.write(`${file}: warning: ${w}\n`);
      for (const s of skipped) io.stdout.write(`${file}: skipped upstream "${s.name}" (${s.reason})\n`);
      const running = Object.entries(config.upstreams).filter(([, u]) => u.enabled);
      const list = running.map(([name, u]) => `${name} (${u.transport})`).join(', ');
      io.stdout.write(`${file}: OK (${running.length} upstream${running.length === 1 ? '' : 's'}${list ? `: ${list}` : ''})\n`);
      return 0;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const problem of err.problems) io.stderr.write(`${formatProblem(problem)}\n`);
      if (err.kind === 'invalid') io.stderr.write(`${file}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}\n`);
      return err.kind === 'invalid' ? 1 : 2;
    }
  },
};

/** Runs `check-config` with `argv` (tests and embedders). */
export function runCheckConfig(argv: readonly string[], out: CommandOutput, env: CommandIo['env'] = process.env): Promise<number> {
  return invoke('check-config', [...argv], { ...out, env });
}
