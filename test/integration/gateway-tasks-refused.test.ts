// Issue 7 item 12(c): tasks are refused consistently, in both eras. The gateway never advertises
// `tasks`; every `tasks/*` method gets one -32601 naming the method; a `task` request parameter is
// ignored (the spec's rule for a receiver without the capability) and never reaches an upstream, so
// no upstream creates a task whose follow-ups the gateway could not route.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MODERN_VERSION } from '../../src/protocol/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { post, rawSession } from '../helpers/raw-http.js';
import { startServer, type ServerProcess } from '../helpers/upstream-harness.js';

const NDJSON_HTTP = new URL('../fixtures/upstream-raw/ndjson-http-server.mjs', import.meta.url).pathname;
const TASK_METHODS = ['tasks/get', 'tasks/result', 'tasks/list', 'tasks/cancel'];

let upstream: ServerProcess;
let gw: TestGateway;
before(async () => {
  upstream = await startServer([NDJSON_HTTP]);
  gw = await startGateway({ upstreams: { nd: { url: `http://127.0.0.1:${upstream.port}/mcp`, prefix: '' } } });
});
after(async () => {
  await gw?.stop();
  await upstream?.stop();
});

let nextId = 1;
/** A modern (stateless) request with its envelope and standard headers. */
async function modern(method: string, params: Record<string, unknown> = {}) {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'tasks-test', version: '1' },
  };
  const headers: Record<string, string> = { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': method };
  if (method === 'tools/call') headers['mcp-name'] = String(params.name);
  return (await post(gw.url, { jsonrpc: '2.0', id: nextId++, method, params: { ...params, _meta: meta } }, headers)).body;
}

const keysSeenUpstream = (result: Record<string, unknown> | undefined) =>
  JSON.parse((result?.content as { text: string }[])[0]!.text) as string[];

void describe('tasks are refused consistently', { timeout: 60_000 }, () => {
  void it('legacy: no tasks capability; every tasks/* is -32601 naming it; a task parameter is ignored', async () => {
    const init = await post(gw.url, {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: { tasks: { list: {} } }, clientInfo: { name: 't', version: '1' } },
    });
    assert.equal((init.body.result?.capabilities as Record<string, unknown>).tasks, undefined);
    const session = await rawSession(gw.url);
    for (const method of TASK_METHODS) {
      const reply = await session.call(method, { taskId: 'abc' });
      assert.equal(reply.error?.code, -32601, `${method}: ${JSON.stringify(reply)}`);
      assert.match(reply.error!.message, new RegExp(`${method}.*does not support tasks`));
    }
    const call = await session.call('tools/call', { name: 'params', arguments: {}, task: { ttl: 60_000 } });
    assert.equal(call.error, undefined, JSON.stringify(call));
    assert.ok(!('task' in (call.result ?? {})), 'a normal result, not a CreateTaskResult');
    assert.deepEqual(keysSeenUpstream(call.result), ['_meta', 'arguments', 'name']);
    await session.close();
  });

  void it('modern: no tasks capability at server/discover; every tasks/* is -32601 naming it; a task parameter is ignored', async () => {
    const discover = await modern('server/discover');
    assert.equal((discover.result?.capabilities as Record<string, unknown>).tasks, undefined);
    for (const method of TASK_METHODS) {
      const reply = await modern(method, { taskId: 'abc' });
      assert.equal(reply.error?.code, -32601, `${method}: ${JSON.stringify(reply)}`);
      assert.match(reply.error!.message, new RegExp(`${method}.*does not support tasks`));
    }
    const call = await modern('tools/call', { name: 'params', arguments: {}, task: { ttl: 60_000 } });
    assert.equal(call.error, undefined, JSON.stringify(call));
    assert.ok(!('task' in (call.result ?? {})));
    assert.deepEqual(keysSeenUpstream(call.result), ['_meta', 'arguments', 'name']);
  });
});
