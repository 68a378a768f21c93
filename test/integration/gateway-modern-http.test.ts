// The gateway's modern (2026-07-28) HTTP validation ladder, wire level: unsupported version (400 / -32022),
// SEP-2243 standard headers (400 / -32020), Mcp-Param-* validation and forwarding to an HTTP upstream,
// and a relayed -32021 answered with HTTP 400. The upstreams are the conformance fixture over HTTP and
// over stdio (a stdio upstream carries no headers, but the gateway still validates its callers').
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type IncomingHttpHeaders } from 'node:http';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';

const FIXTURE_HTTP = new URL('../fixtures/conformance-server/http.ts', import.meta.url).pathname;
const FIXTURE_STDIO = new URL('../fixtures/conformance-server/stdio.ts', import.meta.url).pathname;
const VERSION = '2026-07-28';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } };
}

/** A POST through node:http, which sends header values verbatim (fetch would trim the whitespace under test). */
function post(url: string, body: unknown, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let parsed: Reply['body'] = {};
          if (String(res.headers['content-type']).includes('text/event-stream')) {
            const messages = text
              .split('\n')
              .filter((l) => l.startsWith('data: '))
              .map((l) => JSON.parse(l.slice(6)) as Reply['body'] & Record<string, unknown>);
            parsed = messages.filter((m) => 'result' in m || 'error' in m).at(-1) ?? {};
          } else if (text) parsed = JSON.parse(text) as Reply['body'];
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const envelope = (capabilities: Record<string, unknown> = {}, version = VERSION) => ({
  'io.modelcontextprotocol/protocolVersion': version,
  'io.modelcontextprotocol/clientCapabilities': capabilities,
  'io.modelcontextprotocol/clientInfo': { name: 'gateway-modern-http-test', version: '1.0.0' },
});

let nextId = 1;
/** A modern request with correct standard headers unless `headers` overrides (undefined removes one). */
function modern(
  url: string,
  method: string,
  params: Record<string, unknown>,
  headers: Record<string, string | undefined> = {},
  capabilities = {},
) {
  const named = method === 'tools/call' || method === 'prompts/get' ? params.name : method === 'resources/read' ? params.uri : undefined;
  const all: Record<string, string | undefined> = {
    'mcp-protocol-version': VERSION,
    'mcp-method': method,
    ...(typeof named === 'string' && { 'mcp-name': named }),
    ...headers,
  };
  const sent = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
  return post(url, { jsonrpc: '2.0', id: nextId++, method, params: { ...params, _meta: envelope(capabilities) } }, sent);
}

const callHeaderTool = (url: string, region: unknown, headers: Record<string, string | undefined>) =>
  modern(url, 'tools/call', { name: 'test_header_param', arguments: { region } }, headers);

const text = (reply: Reply) => (reply.body.result?.content as { text: string }[] | undefined)?.[0]?.text;

function assertRejected(reply: Reply, status: number, code: number): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.error?.code, code, JSON.stringify(reply.body));
}

async function startFixtureHttp(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE_HTTP, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('fixture did not start')), 20_000);
    lines.on('line', (line) => {
      const m = /^listening (http:\/\/127\.0\.0\.1:\d+\/mcp)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`fixture exited ${code}`)));
  });
  return { url, child };
}

async function startGateway(upstream: Record<string, unknown>): Promise<Gateway> {
  const input = { server: { port: 0 }, upstreams: { fixture: { ...upstream, prefix: '' } } };
  const gateway = new Gateway({ config: parseConfig(input, '<test>').config, log: silentLogger });
  await gateway.start();
  const deadline = Date.now() + 20_000;
  while (!gateway.readiness().ready) {
    if (Date.now() > deadline) throw new Error(`gateway not ready: ${JSON.stringify(gateway.readiness().details)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await gateway.aggregator.whenLoaded(20_000);
  return gateway;
}

void describe('gateway, modern HTTP endpoint, HTTP upstream', () => {
  let fixture: { url: string; child: ChildProcess };
  let gateway: Gateway;
  let url = '';
  before(async () => {
    fixture = await startFixtureHttp();
    gateway = await startGateway({ url: fixture.url });
    url = gateway.url;
  });
  after(async () => {
    await gateway?.stop();
    fixture?.child.kill();
  });

  void it('answers an unsupported protocol version with 400 / -32022 listing the supported versions', async () => {
    const reply = await post(
      url,
      { jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: envelope({}, 'v999.0.0') } },
      { 'mcp-protocol-version': 'v999.0.0', 'mcp-method': 'server/discover' },
    );
    assertRejected(reply, 400, -32022);
    assert.deepEqual(reply.body.error?.data?.supported, [VERSION]);
    assert.equal(reply.body.error?.data?.requested, 'v999.0.0');
    assert.equal(reply.body.id, 1);
  });

  void it('validates the standard headers against the body (400 / -32020)', async () => {
    assertRejected(await modern(url, 'tools/list', {}, { 'mcp-method': undefined }), 400, -32020);
    assertRejected(await modern(url, 'tools/list', {}, { 'mcp-protocol-version': undefined }), 400, -32020);
    assertRejected(await modern(url, 'tools/list', {}, { 'mcp-method': 'prompts/list' }), 400, -32020);
    assertRejected(await modern(url, 'tools/call', { name: 'test_simple_text', arguments: {} }, { 'mcp-name': 'wrong_tool' }), 400, -32020);
    assertRejected(await modern(url, 'tools/call', { name: 'test_simple_text', arguments: {} }, { 'mcp-name': undefined }), 400, -32020);
    assertRejected(await modern(url, 'resources/read', { uri: 'test://static-text' }, { 'mcp-name': 'test://other' }), 400, -32020);
    assertRejected(
      await modern(url, 'tools/call', { name: 'test_simple_text', arguments: {} }, { 'mcp-name': '=?base64?dGVzd!!?=' }),
      400,
      -32020,
    );
  });

  void it('accepts whitespace around Mcp-Name, a Base64 Mcp-Name and any header-name case', async () => {
    const padded = await modern(url, 'tools/call', { name: 'test_simple_text', arguments: {} }, { 'mcp-name': '  test_simple_text  ' });
    assert.equal(padded.status, 200, JSON.stringify(padded.body));
    assert.ok(padded.body.result);
    const b64 = `=?base64?${Buffer.from('test_simple_text').toString('base64')}?=`;
    const encoded = await modern(url, 'tools/call', { name: 'test_simple_text', arguments: {} }, { 'mcp-name': b64 });
    assert.equal(encoded.status, 200, JSON.stringify(encoded.body));
    const upper = await modern(url, 'tools/list', {}, { 'mcp-method': undefined, 'MCP-METHOD': 'tools/list' });
    assert.equal(upper.status, 200, JSON.stringify(upper.body));
  });

  void it('checks Mcp-Param-* against the arguments (400 / -32020) and forwards them to the HTTP upstream', async () => {
    // The fixture (an SDK server) refuses a call without a matching Mcp-Param-Region: a 200 proves forwarding.
    const plain = await callHeaderTool(url, 'eu-west-1', { 'mcp-param-region': 'eu-west-1' });
    assert.equal(plain.status, 200, JSON.stringify(plain.body));
    assert.equal(text(plain), 'Region: eu-west-1');
    const zurich = await callHeaderTool(url, 'Zürich', { 'mcp-param-region': `=?base64?${Buffer.from('Zürich').toString('base64')}?=` });
    assert.equal(zurich.status, 200, JSON.stringify(zurich.body));
    assert.equal(text(zurich), 'Region: Zürich');
    // Without both sentinel ends a value is literal.
    const literal = await callHeaderTool(url, 'SGVsbG8=', { 'mcp-param-region': 'SGVsbG8=' });
    assert.equal(text(literal), 'Region: SGVsbG8=');
    const halfSentinel = await callHeaderTool(url, '=?base64?SGVsbG8=', { 'Mcp-Param-Region': '=?base64?SGVsbG8=' });
    assert.equal(text(halfSentinel), 'Region: =?base64?SGVsbG8=');

    assertRejected(await callHeaderTool(url, 'eu-west-1', {}), 400, -32020);
    assertRejected(await callHeaderTool(url, 'eu-west-1', { 'mcp-param-region': 'us-east-1' }), 400, -32020);
    assertRejected(await callHeaderTool(url, 'Hello', { 'mcp-param-region': '=?base64?SGVsbG8?=' }), 400, -32020); // bad padding
    assertRejected(await callHeaderTool(url, 'Hello', { 'mcp-param-region': '=?base64?SGVs!!!bG8=?=' }), 400, -32020);
    const missing = await callHeaderTool(url, 'eu-west-1', {});
    assert.equal((missing.body.error?.data?.mismatch as { header?: string } | undefined)?.header, 'Mcp-Param-Region');
  });

  void it('computes Mcp-Param-* for a legacy caller calling a modern HTTP upstream', async () => {
    const init = await post(
      url,
      {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'legacy', version: '1' } },
      },
      {},
    );
    assert.equal(init.status, 200);
    const sessionHeaders = { 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
    await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, sessionHeaders);
    const reply = await post(
      url,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'test_header_param', arguments: { region: 'Zürich' } } },
      sessionHeaders,
    );
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(text(reply), 'Region: Zürich');
  });

  void it('relays the upstream -32021 for an undeclared capability with HTTP 400', async () => {
    const refused = await modern(url, 'tools/call', { name: 'test_missing_capability', arguments: {} });
    assertRejected(refused, 400, -32021);
    assert.ok((refused.body.error?.data?.requiredCapabilities as Record<string, unknown> | undefined)?.sampling);
    const declared = await modern(url, 'tools/call', { name: 'test_missing_capability', arguments: {} }, {}, { sampling: {} });
    assert.equal(declared.status, 200, JSON.stringify(declared.body));
    assert.equal(declared.body.result?.resultType, 'input_required');
  });

  void it('puts ttlMs and cacheScope on server/discover', async () => {
    const reply = await modern(url, 'server/discover', {});
    assert.equal(reply.status, 200);
    assert.equal(typeof reply.body.result?.ttlMs, 'number');
    assert.ok(reply.body.result?.cacheScope === 'private' || reply.body.result?.cacheScope === 'public');
  });
});

void describe('gateway, modern HTTP endpoint, stdio upstream', () => {
  let gateway: Gateway;
  let url = '';
  before(async () => {
    gateway = await startGateway({ command: process.execPath, args: ['--import', 'tsx', FIXTURE_STDIO] });
    url = gateway.url;
  });
  after(async () => {
    await gateway?.stop();
  });

  void it('validates Mcp-Param-* itself although a stdio upstream carries no headers', async () => {
    const ok = await callHeaderTool(url, 'Zürich', { 'mcp-param-region': `=?base64?${Buffer.from('Zürich').toString('base64')}?=` });
    assert.equal(text(ok), 'Region: Zürich');
    assertRejected(await callHeaderTool(url, 'eu-west-1', {}), 400, -32020);
    assertRejected(await callHeaderTool(url, 'eu-west-1', { 'mcp-param-region': 'us-east-1' }), 400, -32020);
    assertRejected(await callHeaderTool(url, 'Hello', { 'mcp-param-region': '=?base64?SGVsbG8?=' }), 400, -32020);
  });

  void it('answers an unsupported version and a relayed -32021 with 400', async () => {
    const reply = await post(
      url,
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope({}, '2099-01-01') } },
      { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' },
    );
    assertRejected(reply, 400, -32022);
    assertRejected(await modern(url, 'tools/call', { name: 'test_missing_capability', arguments: {} }), 400, -32021);
  });
});
