import { accessSync, constants } from 'node:fs';
import { unavailable } from './upstream-errors.js';

/**
 * How a stdio child is confined (docs/adr/0014-stdio-sandbox.md): bubblewrap gives it a read-only view of
 * the root, a private /tmp, writable only `writable`, no network unless `network`, and its own PID, IPC
 * and UTS namespaces; prlimit caps its resources. Both tools are looked up at fixed paths only, never on
 * a PATH the config controls.
 */
export interface SandboxSpec {
  readonly writable: readonly string[];
  readonly hide: readonly string[];
  readonly network: boolean;
  readonly limits: {
    readonly memoryBytes?: number;
    readonly cpuSeconds?: number;
    readonly openFiles?: number;
    readonly processes?: number;
  };
}

const BWRAP_PATHS = ['/usr/bin/bwrap', '/bin/bwrap', '/usr/local/bin/bwrap'];
const PRLIMIT_PATHS = ['/usr/bin/prlimit', '/bin/prlimit'];

/** Where the sandbox tools live; overridable for tests of the missing-tool error. */
export interface SandboxTools {
  readonly bwrap: string | undefined;
  readonly prlimit: string | undefined;
}

/** bwrap and prlimit as installed on this machine (undefined when missing). */
export function findSandboxTools(): SandboxTools {
  return { bwrap: firstExecutable(BWRAP_PATHS), prlimit: firstExecutable(PRLIMIT_PATHS) };
}

/**
 * The program and argv that run `command args` inside the sandbox: `prlimit --as=… -- bwrap … -- command
 * args` (prlimit only when a limit is set). Throws GW_UPSTREAM_UNAVAILABLE naming the missing tool and
 * the fix when bubblewrap (or prlimit, for limits) is not installed: never a silent unsandboxed start.
 */
export function sandboxedCommand(
  name: string,
  sandbox: SandboxSpec,
  command: string,
  args: readonly string[],
  cwd: string | undefined,
  tools: SandboxTools = findSandboxTools(),
): { command: string; args: string[] } {
  if (tools.bwrap === undefined)
    throw unavailable(
      name,
      `sandbox: bubblewrap (bwrap) is not installed (looked in ${BWRAP_PATHS.join(', ')}); install it (apt-get install bubblewrap) or remove \`sandbox\` from the upstream`,
      false,
    );
  const bwrap = [
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    '--tmpfs', '/tmp',
    ...sandbox.hide.flatMap((p) => ['--tmpfs', p]),
    ...sandbox.writable.flatMap((p) => ['--bind', p, p]),
    '--unshare-pid', '--unshare-ipc', '--unshare-uts',
    ...(sandbox.network ? [] : ['--unshare-net']),
    // The child dies with bwrap (and bwrap with the gateway: setpriv --pdeathsig wraps it all).
    '--die-with-parent',
    ...(cwd !== undefined ? ['--chdir', cwd] : []),
    '--', command, ...args,
  ]; // prettier-ignore
  const limits = prlimitArgs(sandbox.limits);
  if (limits.length === 0) return { command: tools.bwrap, args: bwrap };
  if (tools.prlimit === undefined)
    throw unavailable(
      name,
      `sandbox: limits need prlimit (util-linux), not found in ${PRLIMIT_PATHS.join(', ')}; install util-linux or remove \`sandbox.limits\``,
      false,
    );
  return { command: tools.prlimit, args: [...limits, '--', tools.bwrap, ...bwrap] };
}

/** prlimit flags for the configured limits (soft = hard, so the child cannot raise them). */
function prlimitArgs(limits: SandboxSpec['limits']): string[] {
  const out: string[] = [];
  if (limits.memoryBytes !== undefined) out.push(`--as=${limits.memoryBytes}`);
  if (limits.cpuSeconds !== undefined) out.push(`--cpu=${limits.cpuSeconds}`);
  if (limits.openFiles !== undefined) out.push(`--nofile=${limits.openFiles}`);
  if (limits.processes !== undefined) out.push(`--nproc=${limits.processes}`);
  return out;
}

function firstExecutable(paths: readonly string[]): string | undefined {
  for (const path of paths) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next
    }
  }
  return undefined;
}
