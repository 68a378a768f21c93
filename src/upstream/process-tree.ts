import { readdirSync, readFileSync } from 'node:fs';
import type { Clock } from '../core/index.js';

const POLL_MS = 20;
const HAS_PROC = process.platform === 'linux';

/** Sends `signal` to every process of the group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function statOf(pid: string): { state: string; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** True while `pid` runs (a zombie counts as gone: it holds no resources and cannot act). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!HAS_PROC) return true;
  const stat = statOf(String(pid));
  return stat !== undefined && stat.state !== 'Z';
}

/** Live (non-zombie) members of a process group; on non-Linux only "some or none" is known. */
export function groupMembers(pgid: number): number[] {
  try {
    process.kill(-pgid, 0);
  } catch {
    return [];
  }
  if (!HAS_PROC) return [pgid];
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const stat = statOf(name);
    if (stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z') members.push(Number(name));
  }
  return members;
}

/**
 * Ends a whole process group: SIGTERM, then SIGKILL once `graceMs` passed with any member still
 * alive. Resolves when no member is left (or a bounded time after SIGKILL), so no grandchild of a
 * wrapper such as npx or `sh -c` outlives the upstream.
 */
export async function reapGroup(pgid: number, graceMs: number, clock: Clock): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = clock.now() + graceMs;
  while (groupMembers(pgid).length > 0) {
    if (clock.now() >= deadline) {
      signalGroup(pgid, 'SIGKILL');
      await waitEmpty(pgid, clock, 1_000);
      return;
    }
    await delay(clock, POLL_MS);
  }
}

async function waitEmpty(pgid: number, clock: Clock, maxMs: number): Promise<void> {
  const until = clock.now() + maxMs;
  while (groupMembers(pgid).length > 0 && clock.now() < until) await delay(clock, POLL_MS);
}

function delay(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
