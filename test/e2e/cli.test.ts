// The shipped CLI as a real process: serve with graceful drain on SIGTERM, stdio mode, check-config.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { mockFiles, waitFor } from '../helpers/mock-upstream.js';
import { alive, childPids, connect } from '../helpers/gateway.js';

const MAIN = new URL('../../dist/src/main.js', import.meta.url).pathname;
const MOCK = new URL('../fixtures/mock-upstream-entry.ts', import.meta.url).pathname;

function writeConfig(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bw-cli-')), 'breakwater.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('breakwater CLI', () => {
  it('serve: SIGTERM drains in-flight calls, stops children and exits 0', async () => {
    const mock = mockFiles({ tools: { slow: { latency: { p50Ms: 700, p99Ms: 700 } } } });
    const file = writeConfig(
      `server: { port: 0, drainTimeoutMs: 5000 }\nlogging: { level: warn }\nupstreams:\n  mock:\n    command: ${process.execPath}\n    args: ${JSON.stringify(['--import', 'tsx', MOCK, ...mock.flags])}\n`,
    );
    const proc = spawn(process.execPath, [MAIN, 'serve', '--config', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve) =>
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        const m = /^breakwater listening on (\S+)$/.exec(line);
        if (m) resolve(m[1]!);
      }),
    );
    const client = await connect(url, 'legacy');
    await waitFor(async () => ((await client.listTools()).tools.length > 0 ? true : undefined), 10_000, 'tools');
    const upstreamPids = childPids(proc.pid!);
    assert.ok(upstreamPids.length > 0);
    const call = client.callTool({ name: 'mock__slow', arguments: {} });
    await waitFor(() => ((mock.readStats().inFlight ?? 0) > 0 ? true : undefined), 5000, 'the call in flight');
    proc.kill('SIGTERM');
    const result = await call;
    assert.equal(result.isError, undefined, 'the in-flight call completed during the drain');
    assert.equal(await exit, 0);
    for (const pid of upstreamPids) assert.equal(alive(pid), false, `child ${pid} reaped`);
    await client.close().catch(() => {});
    mock.cleanup();
  });

  it('stdio: a desktop client launches the gateway as a stdio server', async () => {
    const mock = mockFiles({ tools: {} });
    const file = writeConfig(
      `logging: { level: warn }\nupstreams:\n  mock:\n    command: ${process.execPath}\n    args: ${JSON.stringify(['--import', 'tsx', MOCK, ...mock.flags])}\n`,
    );
    for (const modern of [false, true]) {
      const client = new Client({ name: 'desktop', version: '1' }, modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
      await client.connect(
        new StdioClientTransport({ command: process.execPath, args: [MAIN, 'stdio', '--config', file], stderr: 'ignore' }),
      );
      try {
        const tools = await waitFor(
          async () => {
            const { tools } = await client.listTools();
            return tools.length > 0 ? tools : undefined;
          },
          10_000,
          'tools over stdio',
        );
        assert.ok(tools.some((t) => t.name === 'mock__echo'));
        const echo = await client.callTool({ name: 'mock__echo', arguments: { text: 'via stdio' } });
        assert.match(JSON.stringify(echo.content), /via stdio/);
      } finally {
        await client.close();
      }
    }
    mock.cleanup();
  });

  it('check-config lists every problem with its path and exits 1', async () => {
    const file = writeConfig('server:\n  port: huge\n  hots: x\nupstreams:\n  "bad name": { command: x }\n  empty: {}\n');
    const proc = spawn(process.execPath, [MAIN, 'check-config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d));
    proc.stderr!.on('data', (d: Buffer) => (out += d));
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(out, /server\.port/);
    assert.match(out, /server: unknown key "hots" \(did you mean "host"\?\)|hots/);
    assert.match(out, /upstreams\.bad name|bad name/);
    assert.match(out, /upstreams\.empty/);
    assert.ok(out.split('\n').filter((l) => l.includes(file)).length >= 4, out);
  });
});
