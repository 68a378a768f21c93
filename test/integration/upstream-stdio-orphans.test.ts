// A gateway killed with SIGKILL (or by the OOM killer) never reaps its stdio children: they must die with it
// anyway. A real gateway process spawns a child that ignores SIGTERM and stdin EOF and has a grandchild of its
// own; after `kill -9` of the gateway, neither may survive (parent-death signal + the group watchdog).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { findSetpriv } from '../../src/upstream/orphan-guard.js';
import { isAlive } from '../../src/upstream/index.js';
import { waitFor } from '../helpers/mock-upstream.js';

const GATEWAY = new URL('../fixtures/orphan-gateway.ts', import.meta.url).pathname;
const CHILD = new URL('../fixtures/upstream-raw/orphan-child.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'orphans-'));
const leftovers: number[] = [];
after(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const pgrpOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);

void describe('stdio children die with the gateway', { skip: process.platform !== 'linux' && 'Linux (/proc, setpriv) only' }, () => {
  void it('SIGKILL of the gateway: the child (ignoring SIGTERM and stdin EOF) and its grandchild are gone', async (t) => {
    t.diagnostic(`setpriv: ${findSetpriv() ?? 'absent (watchdog only)'}`);
    const pidsFile = join(dir, 'pids.json');
    const gateway = spawn(process.execPath, ['--import', 'tsx', GATEWAY, '--', process.execPath, CHILD], {
      env: { ...process.env, ORPHAN_PIDS_FILE: pidsFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => gateway.once('exit', resolve));
    const first = await new Promise<string>((resolve) => createInterface({ input: gateway.stdout! }).once('line', resolve));
    const reported = JSON.parse(first) as { pid: number; watchdog: number };
    const tree = await waitFor(
      () => JSON.parse(readFileSync(pidsFile, 'utf8')) as { pid: number; grandchild: number },
      15_000,
      'the child tree',
    );
    leftovers.push(tree.pid, tree.grandchild, reported.watchdog);
    // setpriv execs the server: the pid the gateway reports (and reaps as a group) is the server's own.
    assert.equal(reported.pid, tree.pid, 'the channel pid is the server process');
    assert.equal(pgrpOf(tree.pid), tree.pid, 'the server leads its own process group');
    assert.equal(pgrpOf(tree.grandchild), tree.pid, 'the grandchild is in that group');
    assert.ok(isAlive(tree.pid) && isAlive(tree.grandchild));

    const t0 = performance.now();
    gateway.kill('SIGKILL');
    await exited;
    await waitFor(() => (!isAlive(tree.pid) ? true : undefined), 15_000, `child ${tree.pid} gone`);
    const childMs = performance.now() - t0;
    await waitFor(() => (!isAlive(tree.grandchild) ? true : undefined), 15_000, `grandchild ${tree.grandchild} gone`);
    const grandchildMs = performance.now() - t0;
    await waitFor(() => (!isAlive(reported.watchdog) ? true : undefined), 15_000, 'the watchdog exits after its work');
    t.diagnostic(`after the gateway's SIGKILL: child gone in ${childMs.toFixed(0)} ms, grandchild in ${grandchildMs.toFixed(0)} ms`);
  });
});
