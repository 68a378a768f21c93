// Chaos-test harness: an in-process gateway over real mock-upstream processes on 127.0.0.1, the real SDK v2
// client, a clock whose monotonic time a test can push forward, and call helpers that record outcome and latency.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Gateway } from '../../src/app/index.js';
import { parseConfig, type BreakwaterConfigInput } from '../../src/config/index.js';
import { silentLogger, systemClock, type Clock } from '../../src/core/index.js';
import type { CallContext, CallResult, Route } from '../../src/pipeline/index.js';
import { httpMock, mockFiles, nodeArgs, waitFor, type HttpMock } from '../helpers/mock-upstream.js';

export { waitFor };

/**
 * The upper bound added to a wall-clock check (ARCHITECTURE §4.13): wide enough that only a hang fails it (a
 * missing timeout, a call waiting for the wrong event), never a loaded 2-core CI box. What a test proves it
 * proves by outcome, order and counts; the measured figure goes to `t.diagnostic`.
 */
export const SLACK = 5_000;

/**
 * Lower bounds are load-proof (a loaded machine only makes things later), except for timer granularity:
 * libuv arms timers on a whole-millisecond loop clock, so one may fire up to ~1 ms before
 * `performance.now()` says its delay is over.
 */
export const TIMER_GRAIN = 2;

/**
 * Bound on a decision the gateway takes without the upstream (fast-fail, shedding), timed through the
 * compiled pipeline in-process: ~50× the expected figure, so a loaded box passes, while a decision that
 * waits for an upstream, a timer or a deadline does not.
 */
export const DECISION_BOUND_MS = 250;

/** The real clock, plus `skip(ms)`: monotonic time jumps forward (TTL, open time) while timers stay real. */
export class SkewClock implements Clock {
  #offset = 0;
  now(): number {
    return performance.now() + this.#offset;
  }
  wallNow(): number {
    return Date.now();
  }
  setTimeout(fn: () => void, ms: number) {
    return systemClock.setTimeout(fn, ms);
  }
  clearTimeout(handle: Parameters<Clock['clearTimeout']>[0]): void {
    systemClock.clearTimeout(handle);
  }
  skip(ms: number): void {
    this.#offset += ms;
  }
}

/**
 * A stdio mock the gateway spawns: its upstream config entry and its stats file. The mock speaks both
 * eras; pinned to one (`era: modern`, the link every caller used before ADR 0002) so one child serves
 * every call and writes the stats file the rows read. The lazily opened legacy link of a dual-era
 * upstream has its own tests (test/integration/gateway-caller-era.test.ts).
 */
export function stdioUpstream(script: object, extra: Record<string, unknown> = {}) {
  const files = mockFiles(script);
  return { files, config: { command: process.execPath, args: nodeArgs(files.flags), era: 'modern' as const, ...extra } };
}

/** Starts HTTP mocks (one per script), optionally on fixed ports. */
export async function httpMocks(
  scripts: object[],
  ports: (number | undefined)[] = [],
): Promise<(HttpMock & { files: ReturnType<typeof mockFiles> })[]> {
  return Promise.all(
    scripts.map(async (script, i) => {
      const files = mockFiles(script);
      const port = ports[i];
      const mock = await httpMock([...files.flags, ...(port === undefined ? [] : ['--port', String(port)])]);
      return Object.assign(mock, { files });
    }),
  );
}

/** A TCP port that was free a moment ago (for "connection refused" and fixed-port restarts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A started in-process gateway with an SDK client factory. */
export interface Harness {
  gateway: Gateway;
  url: string;
  clock: SkewClock;
  client(): Promise<Client>;
  stop(): Promise<void>;
}

/** Starts a gateway (random loopback port) and waits until the named tools are routable. */
export async function startGateway(input: BreakwaterConfigInput, tools: string[], readyMs = 20_000): Promise<Harness> {
  const config = parseConfig({ ...input, server: { port: 0, drainTimeoutMs: 2_000, ...input.server } }, '<chaos>').config;
  const clock = new SkewClock();
  const gateway = new Gateway({ config, log: silentLogger, clock });
  await gateway.start();
  const clients: Client[] = [];
  try {
    await waitFor(() => tools.every((t) => gateway.aggregator.tools.get(t) !== undefined), readyMs, `tools ${tools.join(', ')}`);
  } catch (err) {
    await gateway.stop();
    throw err;
  }
  return {
    gateway,
    url: gateway.url,
    clock,
    async client() {
      const client = new Client({ name: 'chaos', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await gateway.stop();
    },
  };
}

/** One call's outcome as the client saw it. */
export interface Outcome {
  ok: boolean;
  ms: number;
  result?: Record<string, unknown>;
  code?: number;
  data?: Record<string, unknown>;
  message?: string;
}

/** Calls a tool and records outcome and latency; never throws for JSON-RPC errors. */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
  options: { signal?: AbortSignal; onprogress?: (p: unknown) => void; timeout?: number } = {},
): Promise<Outcome> {
  const t0 = performance.now();
  try {
    const result = (await client.callTool({ name, arguments: args }, { timeout: options.timeout ?? 30_000, ...options })) as Record<
      string,
      unknown
    >;
    return { ok: true, ms: performance.now() - t0, result };
  } catch (err) {
    const e = err as { code?: number; data?: Record<string, unknown>; message?: string };
    return {
      ok: false,
      ms: performance.now() - t0,
      ...(e.code !== undefined && { code: e.code }),
      ...(e.data && { data: e.data }),
      message: String(e.message),
    };
  }
}

/** The gateway code (`data.code`) of a failed outcome. */
export const gwCode = (o: Outcome): string | undefined => (typeof o.data?.code === 'string' ? o.data.code : undefined);

/**
 * Runs a tool call straight through the route's compiled pipeline (no HTTP, no client), to time the
 * gateway's own decisions (fast-fail, shedding) without loopback and client noise on a busy machine.
 */
export async function viaPipeline(
  h: Harness,
  tool: string,
  args: Record<string, unknown> = {},
): Promise<{ ms: number; error?: unknown; result?: CallResult }> {
  const entry = h.gateway.aggregator.tools.get(tool);
  if (!entry) throw new Error(`no route for ${tool}`);
  const route: Route = { upstream: entry.upstream, kind: 'tool', name: tool, target: entry.target };
  const ctx: CallContext = {
    requestId: 'chaos',
    rpcId: 1,
    method: 'tools/call',
    route,
    params: { name: entry.target, arguments: args },
    principal: { id: 'chaos', kind: 'anonymous', roles: [] },
    era: 'legacy',
    sessionId: undefined,
    signal: new AbortController().signal,
    deadline: Infinity,
    clock: h.clock,
    log: silentLogger,
    caller: { notify: () => {}, request: async () => ({}), capabilities: {} },
    state: { committed: false, attempts: 0 },
  };
  const next = h.gateway.pipelines.forRoute(route);
  const t0 = performance.now();
  try {
    const result = await next(ctx);
    return { ms: performance.now() - t0, result };
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
}

/**
 * Counts the `method` requests the gateway sends through one upstream connection (every attempt passes
 * there) and those settled, read synchronously: a breaker transition listener can note the counts at the
 * very moment of the transition, which a poll of the upstream's own stats cannot do on a busy machine.
 * A request counts as settled before the policies awaiting it resume. `restore()` unwraps.
 */
export function countRequests(
  h: Harness,
  upstream: string,
  method = 'tools/call',
  replica = 0,
): { readonly sent: number; readonly settled: number; readonly maxInFlight: number; restore(): void } {
  const conn = h.gateway.upstreams.get(upstream)?.[replica];
  if (!conn) throw new Error(`no connection ${upstream}#${replica}`);
  const original = conn.request.bind(conn);
  let sent = 0;
  let settled = 0;
  let maxInFlight = 0;
  conn.request = (m, params, options) => {
    if (m !== method) return original(m, params, options);
    sent++;
    maxInFlight = Math.max(maxInFlight, sent - settled);
    const p = original(m, params, options);
    p.then(
      () => void settled++,
      () => void settled++,
    );
    return p;
  };
  return {
    get sent() {
      return sent;
    },
    get settled() {
      return settled;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    restore: () => void Reflect.deleteProperty(conn, 'request'),
  };
}

/** The q-quantile (0..1) of a list of numbers. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** Counts unhandled rejections while a test file runs (R1: "no unhandled rejection"). */
export function watchUnhandled(): { readonly count: number; dispose(): void } {
  let count = 0;
  const on = (): void => void count++;
  process.on('unhandledRejection', on);
  return {
    get count() {
      return count;
    },
    dispose: () => void process.off('unhandledRejection', on),
  };
}

/** Sends a signal to a pid, ignoring a process already gone. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Offers `ratePerSec` calls per second for `durationMs` (open loop: a slow answer does not slow the offer). */
export async function openLoop<T>(ratePerSec: number, durationMs: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const pending: Promise<T>[] = [];
  const total = Math.round((ratePerSec * durationMs) / 1000);
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / ratePerSec;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(fn(i));
  }
  return Promise.all(pending);
}

/**
 * Times `n` sequential calls through the compiled pipeline: wall-clock p50/p99 and CPU-time p99 (user +
 * system of this process). On a busy 2-core machine a preempted call inflates wall time but not CPU time,
 * so the CPU p99 is the honest "how long does the gateway take to decide" figure.
 */
export async function timeDecisions(
  h: Harness,
  tool: string,
  n: number,
): Promise<{ codes: Set<string | undefined>; p50: number; p99: number; cpuP99: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  const codes = new Set<string | undefined>();
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const r = await viaPipeline(h, tool);
    const c = process.cpuUsage(c0);
    wall.push(r.ms);
    cpu.push((c.user + c.system) / 1000);
    codes.add((r.error as { code?: string } | undefined)?.code);
  }
  return { codes, p50: quantile(wall, 0.5), p99: quantile(wall, 0.99), cpuP99: quantile(cpu, 0.99) };
}

/** Reports `timeDecisions` figures and asserts the gateway decided without waiting (median wall and CPU p99 under DECISION_BOUND_MS). */
export function assertDecidedFast(
  t: { diagnostic(message: string): void },
  what: string,
  d: { p50: number; p99: number; cpuP99: number },
): void {
  t.diagnostic(`${what}: p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms wall, CPU p99 ${d.cpuP99.toFixed(2)} ms in the gateway`);
  assert.ok(d.p50 < DECISION_BOUND_MS, `${what}: wall p50 ${d.p50.toFixed(1)} ms`);
  assert.ok(d.cpuP99 < DECISION_BOUND_MS, `${what}: CPU p99 ${d.cpuP99.toFixed(1)} ms`);
}
