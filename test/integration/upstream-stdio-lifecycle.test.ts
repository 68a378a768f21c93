import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { GatewayError } from '../../src/errors/index.js';
import { isAlive, type UpstreamConnection, type UpstreamSpec, type UpstreamState } from '../../src/upstream/index.js';
import { RAW_WRAPPER, nextEvent, rawStdioConnection, within } from '../helpers/upstream-harness.js';

const open: UpstreamConnection[] = [];
after(async () => {
  await Promise.all(open.map((c) => c.close()));
});

function make(spec: Partial<UpstreamSpec>, env: Record<string, string> = {}) {
  return rawStdioConnection(open, spec, env);
}

const pids = async (conn: UpstreamConnection) =>
  (await conn.request('tools/call', { name: 'pids', arguments: {} }, { signal: within(5_000) })).structuredContent as {
    pid: number;
    grandchild: number;
  };

const parentOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);

const untilState = (conn: UpstreamConnection, state: UpstreamState) =>
  conn.state === state
    ? Promise.resolve()
    : nextEvent<{ state: UpstreamState }>(
        (l) => conn.events.on('state', l),
        (e) => e.state === state,
      );

void describe('stdio supervision', () => {
  void it('a wrapper killed mid-call: the call fails on the exit, the old tree is reaped, the restart serves the next call', async (t) => {
    const { conn } = make({ args: [RAW_WRAPPER] }, { RAW_GRANDCHILD: '1' });
    await conn.start();
    const before = await pids(conn);
    const wrapper = parentOf(before.pid);
    const hanging = conn.request('tools/call', { name: 'hang', arguments: {} }, { signal: within(10_000) });
    const exited = nextEvent<{ code: number | null; signal: string | null }>((l) => conn.events.on('exit', l));
    const t0 = performance.now();
    process.kill(wrapper, 'SIGKILL');
    const err = await hanging.catch((e: unknown) => e);
    const ms = performance.now() - t0;
    t.diagnostic(`the pending call failed ${ms.toFixed(0)} ms after the kill (target: at once)`);
    // The exit failed it: the request's own 10 s signal would have ended it with an abort instead.
    assert.ok(err instanceof GatewayError && err.code === 'GW_UPSTREAM_UNAVAILABLE', String(err));
    assert.ok(ms < 10_000, `failed ${ms.toFixed(0)} ms after the kill`);
    assert.equal(err.data?.maybeExecuted, true);
    const exit = await exited;
    assert.equal(exit.signal, 'SIGKILL');
    for (const pid of [wrapper, before.pid, before.grandchild]) assert.equal(isAlive(pid), false, `pid ${pid} of the old tree is gone`);
    await untilState(conn, 'ready');
    const afterRestart = await pids(conn);
    assert.notEqual(afterRestart.pid, before.pid);
    assert.equal(conn.info?.era, 'legacy');
  });

  void it('a crash loop ends in state down; requests then fail fast with maybeExecuted false', async (t) => {
    const { conn } = make(
      { restart: { initialDelayMs: 5, maxDelayMs: 20, maxRestarts: 2, windowMs: 60_000 } },
      { RAW_CRASH_ON_START: '1' },
    );
    const down = untilState(conn, 'down');
    await assert.rejects(conn.start(), (e: unknown) => e instanceof GatewayError && e.code === 'GW_UPSTREAM_UNAVAILABLE');
    await down;
    const states: UpstreamState[] = [];
    const offState = conn.events.on('state', (e) => void states.push(e.state));
    const t0 = performance.now();
    const err = await conn.request('tools/list', undefined, { signal: within(5_000) }).catch((e: unknown) => e);
    const ms = performance.now() - t0;
    offState();
    t.diagnostic(`a request to the down upstream failed after ${ms.toFixed(1)} ms (target < 100 ms)`);
    // Fast = refused by the down state, not after waiting: the 5 s signal would have aborted a waiting
    // request instead, and no restart was attempted for it.
    assert.ok(err instanceof GatewayError && err.code === 'GW_UPSTREAM_UNAVAILABLE', String(err));
    assert.equal(err.data?.maybeExecuted, false);
    assert.deepEqual(states, [], 'the request did not wake the supervisor');
    assert.equal(conn.state, 'down');
    // An explicit start resets the crash window and tries again.
    const connecting = untilState(conn, 'connecting');
    const again = conn.start().catch(() => 'failed');
    await connecting;
    assert.equal(await again, 'failed');
  });

  void it('a command that cannot be spawned fails start() with maybeExecuted false', async () => {
    const { conn } = make({ command: '/nonexistent/upstream-binary', restart: { maxRestarts: 0 } });
    const err = await conn.start().catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError && err.code === 'GW_UPSTREAM_UNAVAILABLE', String(err));
    assert.equal(err.data?.maybeExecuted, false);
    assert.match(err.message, /ENOENT/);
    assert.equal(conn.state, 'down');
  });

  void it('close() reaps the whole group, escalating to SIGKILL for a child that ignores SIGTERM', async () => {
    const { conn } = make({ killGraceMs: 300 }, { RAW_GRANDCHILD: 'stubborn' });
    await conn.start();
    const tree = await pids(conn);
    assert.ok(isAlive(tree.grandchild));
    await conn.close();
    assert.equal(isAlive(tree.pid), false);
    assert.equal(isAlive(tree.grandchild), false, 'no orphan grandchild');
    assert.equal(conn.state, 'closed');
    await assert.rejects(
      conn.request('tools/list', undefined, { signal: within(1_000) }),
      (e: unknown) => e instanceof GatewayError && e.data?.maybeExecuted === false,
    );
  });

  void it('requests issued while restarting wait for readiness', async () => {
    const { conn } = make({});
    await conn.start();
    const restarting = untilState(conn, 'restarting');
    const crashing = conn.request('tools/call', { name: 'crash', arguments: {} }, { signal: within(5_000) });
    await assert.rejects(crashing, (e: unknown) => e instanceof GatewayError && e.code === 'GW_UPSTREAM_UNAVAILABLE');
    await restarting;
    const listed = await conn.request('tools/list', undefined, { signal: within(5_000) });
    assert.ok(Array.isArray(listed.tools));
  });
});
