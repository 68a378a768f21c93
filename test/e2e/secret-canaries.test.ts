// Redaction at one place, seen end to end: a canary secret placed in config, the upstream token (from the
// secret store), an API key and a sensitive tool argument never appear in anything the gateway writes:
// its log output (debug level), the audit database and its export, and every error body a caller gets.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { openSecretStore } from '../../src/app/secret-wiring.js';
import { invoke } from '../../src/cli/invoke.js';
import { startCountingUpstream } from '../helpers/counting-upstream.js';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bw-canaries-'));
const env = { ...process.env, BREAKWATER_MASTER_KEY: randomBytes(32).toString('base64') };
after(() => rmSync(dir, { recursive: true, force: true }));

const UPSTREAM_TOKEN = `uptok${randomBytes(9).toString('hex')}`;
const CONFIG_CANARY = `cfgcanary${randomBytes(9).toString('hex')}`;
const PASSWORD = `pwcanary${randomBytes(9).toString('hex')}`;

async function cli(args: string[]): Promise<string> {
  let out = '';
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (out += s) }, env };
  const code = await invoke(args[0]!, args.slice(1), io);
  assert.equal(code, 0, out);
  return out;
}

describe('secrets never reach logs, audit or errors', () => {
  it('greps every artifact for four canaries', async (t) => {
    const upstream = await startCountingUpstream(1);
    t.after(() => upstream.close());
    const file = join(dir, 'breakwater.yaml');
    writeFileSync(
      file,
      [
        'server: { port: 0 }',
        'logging: { level: debug }',
        'storage: { dir: ./state }',
        'auth: { apiKeys: { enabled: true } }',
        'audit: { enabled: true, recordArguments: true }',
        'upstreams:',
        '  count:',
        `    url: "${upstream.url}"`,
        '    headers:',
        '      Authorization: "Bearer ${secret:upstream-token}"',
        '      X-Canary: "${secret:config-canary}"',
        '',
      ].join('\n'),
    );
    const store = openSecretStore({ file, storageDir: './state', secrets: { masterKey: { env: 'BREAKWATER_MASTER_KEY' } }, env });
    store.set('upstream-token', UPSTREAM_TOKEN);
    store.set('config-canary', CONFIG_CANARY);
    store.close();
    const created = await cli(['keys', 'create', '--name', 'canary-caller', '--roles', 'user', '--config', file]);
    const apiKey = /bwk_[A-Za-z0-9_-]+/.exec(created)?.[0];
    assert.ok(apiKey, created);

    let logs = '';
    const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env });
    proc.stdout!.on('data', (c: Buffer) => (logs += c.toString()));
    proc.stderr!.on('data', (c: Buffer) => (logs += c.toString()));
    const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!/breakwater listening on (\S+)/.test(logs)) {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`gateway did not start:\n${logs}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = /breakwater listening on (\S+)/.exec(logs)![1]!;
    const bodies: string[] = [];
    try {
      const client = new Client({ name: 'canary', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${apiKey}` } } }),
      );
      const ok = await client.callTool({ name: 'count__login', arguments: { user: 'bob', password: PASSWORD } });
      bodies.push(JSON.stringify(ok));
      for (const name of ['count__nope', `count__${CONFIG_CANARY}`]) {
        const err = await client.callTool({ name, arguments: { password: PASSWORD } }).then(
          (r) => r,
          (e: unknown) => e,
        );
        bodies.push(JSON.stringify(err, Object.getOwnPropertyNames(err ?? {})));
      }
      await client.close();
      // A wrong key, a key in the wrong place, a malformed body: the refusals' bodies and headers.
      for (const [auth, body] of [
        [`Bearer ${apiKey}x`, '{"jsonrpc":"2.0","id":1,"method":"ping"}'],
        [`Bearer ${UPSTREAM_TOKEN}`, '{"jsonrpc":"2.0","id":1,"method":"ping"}'],
        [`Bearer ${apiKey}`, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${CONFIG_CANARY}"`],
      ] as const) {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            authorization: auth,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2025-11-25',
          },
          body,
        });
        bodies.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
      }
    } finally {
      proc.kill('SIGTERM');
      await exit;
    }
    assert.ok(
      upstream.authorizations.includes(`Bearer ${UPSTREAM_TOKEN}`),
      'the upstream got its token: the secret was resolved from the store',
    );
    const exported = await cli(['audit', 'export', '--config', file]);
    assert.match(exported, /count__login/);
    const db = join(dir, 'state', 'audit.db');
    const raw = [db, `${db}-wal`]
      .filter(existsSync)
      .map((f) => readFileSync(f).toString('latin1'))
      .join('');
    const artifacts = { logs, 'error bodies': bodies.join('\n'), 'audit export': exported, 'audit database': raw };
    t.diagnostic(
      `${logs.split('\n').length} log lines, ${bodies.length} caller-visible bodies, ${exported.split('\n').length} audit records`,
    );
    for (const [what, text] of Object.entries(artifacts))
      for (const [canary, value] of Object.entries({ UPSTREAM_TOKEN, CONFIG_CANARY, PASSWORD, apiKey }))
        assert.ok(!text.includes(value), `${canary} appears in the ${what}`);
  });
});
