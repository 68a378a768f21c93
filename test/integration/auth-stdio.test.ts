// `breakwater stdio` has no credentials: its principal comes from `auth.stdio` (issue 9 item 1). Through the
// real stdio server with server-everything upstream, authorization rules keyed on that principal decide
// what the stdio caller sees.
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stdioPrincipal } from '../../src/app/auth-wiring.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { StdioServer } from '../../src/transport/stdio/stdio-server.js';
import { everythingStdio, startGateway, type TestGateway } from '../helpers/gateway.js';

// API keys are on by default with an auth section: their keys.db goes to a scratch folder, not the working directory.
const storageDir = join(tmpdir(), `bw-auth-stdio-${process.pid}`);
const input = {
  storage: { dir: storageDir },
  upstreams: { everything: everythingStdio() },
  auth: { stdio: { id: 'desktop', roles: ['writer'], claims: { team: 'docs' } } },
  authorization: {
    default: 'deny' as const,
    rules: [{ id: 'desk', action: 'allow' as const, principals: ['desktop'], tools: ['everything__echo'] }],
  },
};

void describe('stdio principal from config', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startGateway(input);
  });
  after(async () => {
    await gw?.stop();
    rmSync(storageDir, { recursive: true, force: true });
  });

  void it('is a config principal with the configured id, roles and claims', () => {
    const p = stdioPrincipal(parseConfig(input, '<test>').config);
    assert.deepEqual(
      { ...p, roles: [...p.roles] },
      { id: 'desktop', kind: 'config', roles: ['writer'], claims: { team: 'docs' }, scopes: [] },
    );
    assert.equal(stdioPrincipal(parseConfig({}, '<test>').config).id, 'anonymous');
  });

  void it('authorization sees it: the stdio caller lists exactly the tool its rule allows', async () => {
    const i = new PassThrough();
    const o = new PassThrough();
    const replies: { id?: unknown; result?: { tools?: { name: string }[] } }[] = [];
    createInterface({ input: o }).on('line', (line) => replies.push(JSON.parse(line) as (typeof replies)[number]));
    new StdioServer(gw.gateway.layer, i, o, silentLogger, stdioPrincipal(parseConfig(input, '<test>').config));
    const wait = async (n: number) => {
      const deadline = Date.now() + 10_000;
      while (replies.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return replies[n - 1];
    };
    i.write(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }) + '\n',
    );
    assert.ok((await wait(1))?.result);
    i.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
    i.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) + '\n');
    const list = await wait(2);
    assert.deepEqual(
      list?.result?.tools?.map((t) => t.name),
      ['everything__echo'],
    );
    i.end();
  });
});
