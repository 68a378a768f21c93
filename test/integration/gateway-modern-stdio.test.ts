// The gateway as a stdio server (`breakwater stdio`): a modern envelope naming a revision the gateway does
// not serve is answered with -32022 listing the supported versions, not treated as a legacy request.
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { StdioServer } from '../../src/transport/stdio/stdio-server.js';

const FIXTURE_STDIO = new URL('../fixtures/conformance-server/stdio.ts', import.meta.url).pathname;

void describe('gateway stdio server, modern envelope', () => {
  let gateway: Gateway;
  const input = new PassThrough();
  const output = new PassThrough();
  const waiters = new Map<unknown, (m: Record<string, unknown>) => void>();

  before(async () => {
    const config = parseConfig(
      { server: { port: 0 }, upstreams: { fixture: { command: process.execPath, args: ['--import', 'tsx', FIXTURE_STDIO], prefix: '' } } },
      '<test>',
    ).config;
    gateway = new Gateway({ config, log: silentLogger });
    await gateway.start();
    await gateway.aggregator.whenLoaded(20_000);
    new StdioServer(gateway.layer, input, output, silentLogger);
    createInterface({ input: output }).on('line', (line) => {
      const message = JSON.parse(line) as Record<string, unknown>;
      waiters.get(message.id)?.(message);
    });
  });
  after(async () => {
    input.end();
    await gateway?.stop();
  });

  const send = (message: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      waiters.set(message.id, resolve);
      input.write(JSON.stringify(message) + '\n');
    });

  const envelope = (version: string) => ({
    'io.modelcontextprotocol/protocolVersion': version,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'stdio-test', version: '1' },
  });

  void it('answers an unsupported envelope version with -32022 and data.supported', async () => {
    const reply = await send({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope('2099-01-01') } });
    const error = reply.error as { code: number; data: { supported: string[]; requested: string } };
    assert.equal(error.code, -32022);
    assert.deepEqual(error.data.supported, ['2026-07-28']);
    assert.equal(error.data.requested, '2099-01-01');
  });

  void it('still serves the supported version', async () => {
    const reply = await send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: envelope('2026-07-28') } });
    assert.ok(Array.isArray((reply.result as { tools?: unknown[] }).tools));
  });
});
