import { ConfigError, formatProblem, loadConfig, type Env } from '../config/index.js';

/** Where a command writes; process.stdout/stderr fit, and tests pass string collectors. */
export interface CommandOutput {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
}

const USAGE = 'usage: breakwater check-config [FILE]   (default breakwater.yaml; also --config FILE)\n';

/**
 * `breakwater check-config [FILE]`: validates a config file without starting anything. Exit 0 when valid
 * (one summary line), 1 when invalid (every problem on its own line), 2 when the file cannot be read or
 * parsed, or on a usage error.
 */
export async function runCheckConfig(argv: readonly string[], out: CommandOutput, env: Env = process.env): Promise<number> {
  const args = [...argv];
  if (args.includes('-h') || args.includes('--help')) {
    out.stdout.write(USAGE);
    return 0;
  }
  const flag = args.findIndex((a) => a === '--config' || a === '-c');
  const files = flag === -1 ? args : [...args.slice(0, flag), ...args.slice(flag + 2)];
  const file = flag === -1 ? (args[0] ?? 'breakwater.yaml') : args[flag + 1];
  if (file === undefined || (flag === -1 ? files.length > 1 : files.length > 0) || file.startsWith('-')) {
    out.stderr.write(USAGE);
    return 2;
  }
  try {
    const { config, skipped, warnings } = loadConfig(file, env);
    for (const w of warnings) out.stderr.write(`${file}: warning: ${w}\n`);
    for (const s of skipped) out.stdout.write(`${file}: skipped upstream "${s.name}" (${s.reason})\n`);
    const running = Object.entries(config.upstreams).filter(([, u]) => u.enabled);
    const list = running.map(([name, u]) => `${name} (${u.transport})`).join(', ');
    out.stdout.write(`${file}: OK (${running.length} upstream${running.length === 1 ? '' : 's'}${list ? `: ${list}` : ''})\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) out.stderr.write(`${formatProblem(problem)}\n`);
    if (err.kind === 'invalid') out.stderr.write(`${file}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}\n`);
    return err.kind === 'invalid' ? 1 : 2;
  }
}
