// Starts an in-process gateway from a config object, and connects real SDK v2 clients to it.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Gateway } from '../../src/app/index.js';
import { parseConfig, type BreakwaterConfigInput } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { startFixture } from './fixture-http.js';

const require = createRequire(import.meta.url);

/** The entry script of an installed MCP server package. */
export function serverEntry(pkg: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', 'index.js');
}

/** server-everything over stdio, as an upstream config entry. */
export const everythingStdio = () => ({
  command: process.execPath,
  args: [serverEntry('@modelcontextprotocol/server-everything'), 'stdio'],
});

/** Our conformance fixture over stdio (run through tsx). */
export const fixtureStdio = () => ({
  command: process.execPath,
  args: ['--import', 'tsx', new URL('../fixtures/conformance-server/stdio.ts', import.meta.url).pathname],
});

/** A running in-process gateway. */
export interface TestGateway {
  gateway: Gateway;
  url: string;
  stop(): Promise<void>;
}

/** Starts a gateway on a random loopback port and waits until every upstream is ready. */
export async function startGateway(input: BreakwaterConfigInput, readyTimeoutMs = 15_000): Promise<TestGateway> {
  const config = parseConfig({ ...input, server: { port: 0, ...input.server } }, '<test>').config;
  const gateway = new Gateway({ config, log: silentLogger });
  await gateway.start();
  const deadline = Date.now() + readyTimeoutMs;
  while (!gateway.readiness().ready) {
    if (Date.now() > deadline) throw new Error(`gateway not ready: ${JSON.stringify(gateway.readiness().details)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await gateway.aggregator.whenLoaded(readyTimeoutMs);
  return { gateway, url: gateway.url, stop: () => gateway.stop() };
}

/** A connected SDK client: legacy (2025-11-25 session) or modern (2026-07-28, stateless). */
export async function connect(url: string, era: 'legacy' | 'modern', capabilities: Record<string, unknown> = {}): Promise<Client> {
  const client = new Client(
    { name: `e2e-${era}`, version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities } : { capabilities },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** The fixture HTTP server as a child process; resolves once it listens (stopped with SIGTERM). */
export async function startFixtureHttp(): Promise<{ url: string; stop(): Promise<void> }> {
  const fixture = await startFixture();
  return { url: fixture.url, stop: () => fixture.stop('SIGTERM') };
}

/** Children (pids) of a process, from /proc. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  const { readdirSync, readFileSync } = require('node:fs') as typeof import('node:fs');
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

/** True while `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
