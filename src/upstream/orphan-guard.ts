import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { UpstreamLogger } from './spec.js';

/**
 * Children must die with the gateway, even when it is SIGKILLed or OOM-killed and so never reaps them
 * (docs/adr/0006-children-die-with-the-gateway.md).
 * Two layers: the kernel's parent-death signal on the child itself (util-linux `setpriv --pdeathsig KILL`,
 * which execs the command, so the pid and process group stay the server's own), and one tiny `sh`
 * watchdog per gateway that holds the list of live process groups and kills them all when its stdin
 * (a pipe only the gateway writes to) reaches EOF: that catches grandchildren (`npx` → node server),
 * which a parent-death signal on the direct child never reaches.
 */

/** Fixed locations only: what wraps every child is never looked up on a PATH the config controls. */
const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];
let setpriv: string | null | undefined;
let warned = false;

/** util-linux setpriv with --pdeathsig support, found once per process; null when absent (macOS, busybox). */
export function findSetpriv(): string | null {
  if (setpriv !== undefined) return setpriv;
  setpriv = null;
  if (process.platform !== 'linux') return setpriv;
  for (const path of SETPRIV_PATHS) {
    if (!executable(path)) continue;
    const help = spawnSync(path, ['--help'], { encoding: 'utf8', timeout: 2_000 });
    if (help.status === 0 && help.stdout.includes('--pdeathsig')) return (setpriv = path);
  }
  return setpriv;
}

/**
 * The program and argv that start `command` bound to the gateway's life: `setpriv --pdeathsig KILL --
 * <resolved command> <args>`. Falls back to the plain command (logging once) without setpriv, and when
 * the command cannot be resolved (the plain spawn then reports ENOENT as before).
 */
export function deathBoundCommand(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  cwd: string | undefined,
  log: UpstreamLogger,
): { file: string; args: string[] } {
  const plain = { file: command, args: [...args] };
  if (process.platform === 'win32') return plain;
  const wrapper = findSetpriv();
  if (wrapper === null) {
    if (!warned) {
      warned = true;
      log.warn(
        { platform: process.platform },
        'setpriv --pdeathsig not available: a stdio upstream outlives a crashed gateway until the watchdog kills its group',
      );
    }
    return plain;
  }
  const resolved = resolveCommand(command, env.PATH ?? process.env.PATH ?? '', cwd);
  if (resolved === undefined) return plain;
  return { file: wrapper, args: ['--pdeathsig', 'KILL', '--', resolved, ...args] };
}

/** The executable `command` names, as execvp would find it (relative paths against `cwd`). */
function resolveCommand(command: string, path: string, cwd: string | undefined): string | undefined {
  if (command.includes('/')) {
    const full = isAbsolute(command) ? command : resolve(cwd ?? process.cwd(), command);
    return executable(full) ? full : undefined;
  }
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const full = resolve(cwd ?? process.cwd(), join(dir, command));
    if (executable(full)) return full;
  }
  return undefined;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads `+pgid` / `-pgid` lines; at EOF (the gateway exited, however it died) sends SIGTERM to every
 * group still listed, then SIGKILL a second later. A gateway that stops cleanly has removed every group
 * first, so its exit kills nothing. dash/bash/zsh compatible; no external program but `sleep`.
 */
const WATCHDOG = `g=' '
while read -r l; do
  case $l in
    +*) g="$g\${l#+} " ;;
    -*) n=\${l#-}; case $g in *" $n "*) g="\${g%% $n *} \${g#* $n }" ;; esac ;;
  esac
done
[ "$g" = ' ' ] && exit 0
for p in $g; do kill -TERM -$p 2>/dev/null; done
sleep 1
for p in $g; do kill -KILL -$p 2>/dev/null; done`;

/** The process-wide watchdog of stdio upstreams' process groups (see the module comment). */
export class GroupWatchdog {
  readonly #groups = new Set<number>();
  #proc: ChildProcess | undefined;

  /** The watchdog's pid while it runs (tests). */
  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** Starts watching a child's process group (the child's pid: it leads its own group). */
  add(pgid: number): void {
    if (process.platform === 'win32' || this.#groups.has(pgid)) return;
    this.#groups.add(pgid);
    if (this.#proc === undefined) this.#spawn();
    else this.#write(`+${pgid}\n`);
  }

  /** The group was reaped: forget it (its number may be reused by an unrelated process later). */
  remove(pgid: number): void {
    if (this.#groups.delete(pgid)) this.#write(`-${pgid}\n`);
  }

  #spawn(): void {
    // Its own group, so a terminal's Ctrl-C (which the gateway handles by reaping) does not end it first.
    const proc = spawn('/bin/sh', ['-c', WATCHDOG], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    this.#proc = proc;
    proc.unref();
    const stdin = proc.stdin!;
    (stdin as { unref?: () => void }).unref?.();
    stdin.on('error', () => {});
    // Killed by someone: the next add() starts a new one, told about every group still alive.
    proc.once('exit', () => {
      if (this.#proc === proc) this.#proc = undefined;
    });
    proc.once('error', () => {
      if (this.#proc === proc) this.#proc = undefined;
    });
    for (const g of this.#groups) this.#write(`+${g}\n`);
  }

  #write(line: string): void {
    const stdin = this.#proc?.stdin;
    if (stdin?.writable) stdin.write(line);
  }
}

/** The one watchdog of this gateway process. */
export const groupWatchdog = new GroupWatchdog();
