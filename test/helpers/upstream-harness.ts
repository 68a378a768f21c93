import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/core/index.js';
import { createUpstreamConnection, type UpstreamConnection, type UpstreamLogger, type UpstreamSpec } from '../../src/upstream/index.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RAW_SERVER = fileURLToPath(new URL('../fixtures/upstream-raw/server.mjs', import.meta.url));
export const RAW_WRAPPER = fileURLToPath(new URL('../fixtures/upstream-raw/wrapper.mjs', import.meta.url));
export const EVERYTHING = fileURLToPath(
  new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url),
);
export const LOOPBACK = fileURLToPath(new URL('./bind-loopback.mjs', import.meta.url));

/** A logger that records every line (tests assert on what upstreams wrote to stderr). */
export function captureLogger(): UpstreamLogger & {
  lines: { level: string; obj: object; msg: string }[];
  waitFor(re: RegExp): Promise<string>;
} {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const waiters: { re: RegExp; resolve: (msg: string) => void }[] = [];
  const add = (level: string) => (obj: object, msg: string) => {
    lines.push({ level, obj, msg });
    for (const w of [...waiters]) {
      if (!w.re.test(msg)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(msg);
    }
  };
  return {
    lines,
    info: add('info'),
    warn: add('warn'),
    error: add('error'),
    debug: add('debug'),
    waitFor(re) {
      const hit = lines.find((l) => re.test(l.msg));
      return hit ? Promise.resolve(hit.msg) : new Promise((resolve) => waiters.push({ re, resolve }));
    },
  };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server process on 127.0.0.1; `port` is read from its "listening/running on port N" line. */
export interface ServerProcess {
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node ...args` and resolves once it says it listens. */
export async function startServer(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.resume();
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /(?:listening|running) on port (\d+)/i.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${text}`)));
  });
  return {
    port,
    child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** server-everything in an HTTP mode, forced onto 127.0.0.1 by the bind-loopback preload. */
export async function startEverythingHttp(mode: 'streamableHttp' | 'sse'): Promise<ServerProcess & { url: string }> {
  const server = await startServer(['--import', LOOPBACK, EVERYTHING, mode], { PORT: String(await freePort()) });
  return { ...server, url: `http://127.0.0.1:${server.port}/${mode === 'sse' ? 'sse' : 'mcp'}` };
}

/** GET (or POST) a fixture's control endpoint and parse its JSON answer. */
export async function control(port: number, path: string, method: 'GET' | 'POST' = 'GET'): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, signal: AbortSignal.timeout(10_000) });
  return (await res.json()) as Record<string, unknown>;
}

/** Resolves with the first event payload that matches. */
export function nextEvent<T>(on: (listener: (payload: T) => void) => () => void, match: (payload: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const off = on((payload) => {
      if (!match(payload)) return;
      off();
      resolve(payload);
    });
  });
}

/** A signal that aborts after `ms` (test bound; never used to wait for state). */
export const within = (ms: number): AbortSignal => AbortSignal.timeout(ms);

/**
 * A connection to the raw NDJSON stdio fixture (not started), registered in `open` so the suite's
 * `after` hook closes it; fast restarts so supervision tests finish quickly.
 */
export function rawStdioConnection(open: UpstreamConnection[], spec: Partial<UpstreamSpec> = {}, env: Record<string, string> = {}) {
  const log = captureLogger();
  const conn = createUpstreamConnection(
    {
      name: 'raw',
      kind: 'stdio',
      command: process.execPath,
      args: [RAW_SERVER],
      env,
      restart: { initialDelayMs: 10, maxDelayMs: 50 },
      ...spec,
    },
    { clock: systemClock, log },
  );
  open.push(conn);
  return { conn, log };
}
