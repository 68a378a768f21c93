// Starts `breakwater mock-upstream` as a child process (stdio or HTTP) and connects the real SDK v2 client.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { StatsSnapshot } from '../../src/cli/mock-upstream/index.js';

/** The fixture entry, run through tsx so tests need no build. */
export const ENTRY = new URL('../fixtures/mock-upstream-entry.ts', import.meta.url).pathname;
/** Node arguments that start the mock with `flags`. */
export const nodeArgs = (flags: string[]): string[] => ['--import', 'tsx', ENTRY, ...flags];

/** A temp dir holding the script and stats file of one mock; `flags` points the mock at them. */
export function mockFiles(script: object): { flags: string[]; statsFile: string; readStats(): StatsSnapshot; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'mock-upstream-'));
  const scriptFile = join(dir, 'script.json');
  const statsFile = join(dir, 'stats.json');
  writeFileSync(scriptFile, JSON.stringify(script));
  return {
    flags: ['--script', scriptFile, '--stats-file', statsFile],
    statsFile,
    readStats: () => JSON.parse(readFileSync(statsFile, 'utf8')) as StatsSnapshot,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Polls `probe` (every 10 ms, the Envoy waitForCounterGe pattern) until it returns a value; fails after `ms`.
 * The default is generous: it only bounds a test that is failing anyway, and a loaded 2-core box can take
 * seconds to spawn a `node --import tsx` child.
 */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, ms = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch {
      // not there yet (file not written, server not answering)
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const env = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));

/** A connected SDK client over stdio to a mock started with `flags`. */
export async function stdioMock(flags: string[], modern = false): Promise<{ client: Client; transport: StdioClientTransport }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: nodeArgs(flags),
    env: env(),
    stderr: 'ignore',
    maxBufferSize: 64 * 1024 * 1024,
  });
  const client = newClient(modern);
  await client.connect(transport);
  return { client, transport };
}

/** A mock HTTP server process; `stats()` reads its control channel. */
export interface HttpMock {
  url: string;
  proc: ChildProcess;
  exit: Promise<number | null>;
  stats(): Promise<StatsSnapshot>;
  reset(): Promise<void>;
  stop(): Promise<number | null>;
}

/** Starts the mock in HTTP mode on a random port and waits for its "listening" line. */
export async function httpMock(flags: string[]): Promise<HttpMock> {
  const proc = spawn(process.execPath, nodeArgs(['--transport', 'http', '--port', '0', ...flags]), { stdio: ['ignore', 'pipe', 'ignore'] });
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: proc.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => {
      const m = /^mock-upstream listening (http:\/\/127\.0\.0\.1:\d+\/mcp)$/.exec(line);
      if (m) resolve(m[1]!);
      else reject(new Error(`unexpected first line: ${line}`));
    });
    void exit.then((code) => reject(new Error(`mock exited with ${code} before listening`)));
  });
  const base = url.replace(/\/mcp$/, '');
  return {
    url,
    proc,
    exit,
    stats: async () => (await (await fetch(`${base}/control/stats`)).json()) as StatsSnapshot,
    reset: async () => void (await fetch(`${base}/control/reset`, { method: 'POST' })).arrayBuffer(),
    stop: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exit;
    },
  };
}

/** A connected SDK client over Streamable HTTP. */
export async function httpClient(url: string, modern = false): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = newClient(modern);
  await client.connect(transport);
  return { client, transport };
}

function newClient(modern: boolean): Client {
  return new Client(
    { name: 'mock-upstream-test', version: '1.0.0' },
    modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
}
