// Readings from /proc (Linux only): CPU time and resident memory of a process, machine facts.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

let clockTicks: number | undefined;

/** Clock ticks per second for /proc/<pid>/stat times (`getconf CLK_TCK`, 100 when it cannot be read). */
export function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** User + system CPU time of the process (all its threads, not its children) in ms; undefined once it is gone. */
export function cpuMs(pid: number): number | undefined {
  const f = statFields(pid);
  if (f === undefined) return undefined;
  // After the name: state(0) ppid(1) … utime(11) stime(12), i.e. fields 14 and 15 of proc(5).
  return ((Number(f[11]) + Number(f[12])) * 1000) / clkTck();
}

/** Parent pid of a process, undefined once it is gone. */
export function parentPid(pid: number): number | undefined {
  const f = statFields(pid);
  return f === undefined ? undefined : Number(f[1]);
}

/** Resident set size in MB (VmRSS), undefined once the process is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Every live descendant of pid (children, grandchildren, …), found by scanning /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = parentPid(Number(name));
    if (ppid !== undefined) parentOf.set(Number(name), ppid);
  }
  const found: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const p = frontier.pop()!;
    for (const [child, ppid] of parentOf) {
      if (ppid === p) {
        found.push(child);
        frontier.push(child);
      }
    }
  }
  return found;
}

/** Sum of cpuMs over the given pids (ones that have exited count as 0). */
export function totalCpuMs(pids: readonly number[]): number {
  return pids.reduce((sum, p) => sum + (cpuMs(p) ?? 0), 0);
}

/** The CPU model name, e.g. "AMD EPYC 7B13". */
export function cpuModel(): string {
  return cpus()[0]?.model.trim() ?? 'unknown';
}
