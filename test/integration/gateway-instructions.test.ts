// Issue 7 item 12(a) end to end: a real HTTP upstream's instructions name its tool `stream`; callers of
// both eras see it under the exposed name `nd__stream`, with a header naming the prefix.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MODERN_VERSION } from '../../src/protocol/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { post } from '../helpers/raw-http.js';
import { startServer, type ServerProcess } from '../helpers/upstream-harness.js';

const NDJSON_HTTP = new URL('../fixtures/upstream-raw/ndjson-http-server.mjs', import.meta.url).pathname;
const EXPECTED = [
  '## nd',
  'Tools and prompts of this server are exposed as `nd__<name>`.',
  'Call `nd__stream` to watch progress; stream output arrives line by line.',
].join('\n');

let upstream: ServerProcess;
let gw: TestGateway;
before(async () => {
  upstream = await startServer([NDJSON_HTTP]);
  gw = await startGateway({ upstreams: { nd: { url: `http://127.0.0.1:${upstream.port}/mcp` } } });
});
after(async () => {
  await gw?.stop();
  await upstream?.stop();
});

void describe('merged instructions name tools as exposed', { timeout: 60_000 }, () => {
  void it('legacy initialize and modern server/discover carry the rewritten text', async () => {
    const init = await post(gw.url, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    });
    assert.equal(init.body.result?.instructions, EXPECTED);
    const meta = {
      'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
    };
    const discover = await post(
      gw.url,
      { jsonrpc: '2.0', id: 2, method: 'server/discover', params: { _meta: meta } },
      { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'server/discover' },
    );
    assert.equal(discover.body.result?.instructions, EXPECTED);
  });
});
