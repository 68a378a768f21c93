// Every log line about a call carries its request id (and session, upstream, tool); secrets never appear.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { connect } from '../helpers/gateway.js';
import { mockFiles } from '../helpers/mock-upstream.js';

const MOCK = new URL('../fixtures/mock-upstream-entry.ts', import.meta.url).pathname;

describe('call logs', () => {
  it('bind request id, session, upstream and tool to every line about a call', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const mock = mockFiles({ tools: { boom: { error: { code: -32603, message: 'upstream exploded' } } } });
    const config = parseConfig(
      {
        server: { port: 0 },
        logging: { level: 'debug' },
        upstreams: {
          mock: { command: process.execPath, args: ['--import', 'tsx', MOCK, ...mock.flags], env: { API_TOKEN: 'sk-canary-123' } },
        },
      },
      '<test>',
    ).config;
    const gateway = new Gateway({ config, log: createLogger({ level: 'debug', destination: sink }) });
    await gateway.start();
    const client = await connect(gateway.url, 'legacy');
    try {
      await client.callTool({ name: 'mock__echo', arguments: { text: 'hi' } });
      await assert.rejects(client.callTool({ name: 'mock__boom', arguments: {} }));
      const calls = lines.filter((l) => l.msg === 'call completed' || l.msg === 'call failed' || l.msg === 'upstream error');
      assert.ok(calls.length >= 2, JSON.stringify(lines.slice(-5)));
      for (const l of calls) {
        assert.match(String(l.requestId), /^[a-z0-9]+-[a-z0-9]+$/);
        assert.equal(typeof l.session, 'string');
        assert.equal(l.upstream, 'mock');
        assert.ok(l.tool === 'mock__echo' || l.tool === 'mock__boom');
      }
      assert.notEqual(calls[0]!.requestId, calls[1]!.requestId);
      assert.ok(!JSON.stringify(lines).includes('sk-canary-123'), 'env secrets never reach the log');
    } finally {
      await client.close();
      await gateway.stop();
      mock.cleanup();
    }
  });
});
