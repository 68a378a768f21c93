// Child processes of the harness: each spawned as its own process group (so a gateway's stdio upstream
// goes with it), optionally pinned to a CPU with taskset, time-bounded, and all killed when the harness exits.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';

const TAIL_LINES = 40;

/** A running child and the last lines it printed. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly proc: ChildProcess;
  readonly stdoutTail: string[];
  readonly stderrTail: string[];
  /** Emits 'stdout' and 'stderr' with each line printed. */
  readonly lines: EventEmitter;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the process has exited and its stdout/stderr are fully read. */
  readonly closed: Promise<void>;
  exitedYet: boolean;
}

/** CPU pinning in force for the run. */
export interface Pinning {
  enabled: boolean;
  loadgenCpu: number;
  serverCpu: number;
  note: string;
}

const live = new Set<Child>();

/** Decides whether taskset pinning is possible (2+ CPUs and a working taskset); never throws. */
export function detectPinning(requested: boolean, cpuCount: number): Pinning {
  const base = { loadgenCpu: 0, serverCpu: 1 };
  if (!requested) return { enabled: false, ...base, note: 'disabled by --no-pin' };
  if (cpuCount < 2) return { enabled: false, ...base, note: `only ${cpuCount} CPU visible` };
  const probe = spawnSync('taskset', ['-c', '1', 'true'], { timeout: 5_000 });
  if (probe.error || probe.status !== 0) {
    return { enabled: false, ...base, note: `taskset unavailable (${probe.error?.message ?? `exit ${probe.status}`})` };
  }
  return { enabled: true, ...base, note: 'load generator on CPU 0, gateway and upstream on CPU 1 (taskset -c)' };
}

/** Pins the current process (all its threads) to one CPU; returns false when that fails. */
export function pinSelf(cpu: number): boolean {
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { timeout: 5_000 });
  return !r.error && r.status === 0;
}

/** Spawns `command args` in a new process group, through `taskset -c cpu` when cpu is given. */
export function spawnChild(
  name: string,
  command: string,
  args: readonly string[],
  opts: { cpu?: number | undefined; cwd?: string; env?: NodeJS.ProcessEnv; stdin?: 'pipe' | 'ignore' } = {},
): Child {
  const [cmd, argv] = opts.cpu === undefined ? [command, [...args]] : ['taskset', ['-c', String(opts.cpu), command, ...args]];
  const proc = spawn(cmd, argv, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true, // own process group: kill(-pid) reaches everything it spawned
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`${name}: could not spawn ${cmd}`);
  const stdoutTail: string[] = [];
  const stderrTail: string[] = [];
  const lines = new EventEmitter();
  const keep = (tail: string[], stream: 'stdout' | 'stderr') => (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    lines.emit(stream, line);
  };
  createInterface({ input: proc.stdout! }).on('line', keep(stdoutTail, 'stdout'));
  createInterface({ input: proc.stderr! }).on('line', keep(stderrTail, 'stderr'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => {
      child.exitedYet = true;
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const closed = new Promise<void>((resolve) => proc.on('close', () => resolve()));
  const child: Child = { name, pid: proc.pid, proc, stdoutTail, stderrTail, lines, exited, closed, exitedYet: false };
  live.add(child);
  return child;
}

/** A description of a child's death or last words, for error messages. */
export function lastWords(child: Child): string {
  const err = child.stderrTail.slice(-12).join('\n');
  const out = child.stdoutTail.slice(-6).join('\n');
  return [err && `--- ${child.name} stderr (tail) ---\n${err}`, out && `--- ${child.name} stdout (tail) ---\n${out}`]
    .filter(Boolean)
    .join('\n');
}

/** Resolves with the first stdout line matching re; rejects when the child exits or timeoutMs passes first. */
export function waitForLine(
  child: Child,
  re: RegExp,
  timeoutMs: number,
  stream: 'stdout' | 'stderr' = 'stdout',
): Promise<RegExpMatchArray> {
  const tail = stream === 'stdout' ? child.stdoutTail : child.stderrTail;
  for (const line of tail) {
    const m = re.exec(line);
    if (m) return Promise.resolve(m);
  }
  return new Promise((resolve, reject) => {
    const onLine = (line: string): void => {
      const m = re.exec(line);
      if (m) {
        done();
        resolve(m);
      }
    };
    const done = (): void => {
      clearTimeout(timer);
      child.lines.off(stream, onLine);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${child.name} did not print ${re} within ${timeoutMs} ms\n${lastWords(child)}`));
    }, timeoutMs);
    child.lines.on(stream, onLine);
    void child.exited.then(({ code, signal }) => {
      done();
      reject(new Error(`${child.name} exited (code ${code}, signal ${signal}) before printing ${re}\n${lastWords(child)}`));
    });
  });
}

function killGroup(child: Child, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      if (!child.exitedYet) process.kill(child.pid, signal);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM to the child's process group, SIGKILL after graceMs; resolves when the leader is gone. */
export async function stopChild(child: Child, graceMs = 2_000): Promise<void> {
  if (!child.exitedYet) {
    killGroup(child, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        killGroup(child, 'SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([child.exited, forced]);
    clearTimeout(timer);
    await Promise.race([child.exited, new Promise((r) => setTimeout(r, 1_000))]);
  }
  killGroup(child, 'SIGKILL'); // stragglers in the group (e.g. a stdio upstream that ignored SIGTERM)
}

/** SIGKILL every live child group right now (used on exit and on fatal errors). */
export function killAllSync(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
  live.clear();
}

/** Kills all children when the harness exits for any reason, including Ctrl-C and uncaught errors. */
export function installCleanup(): void {
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}, killing child processes\n`);
      killAllSync();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (e) => {
    process.stderr.write(`bench: fatal: ${e.stack ?? e.message}\n`);
    killAllSync();
    process.exit(1);
  });
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`bench: fatal (unhandled rejection): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    killAllSync();
    process.exit(1);
  });
}
