// `${secret:NAME}` in config: resolved from the encrypted store at load, never printed by check-config.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSecretStore, secretOpener } from '../../../src/app/secret-wiring.js';
import { runCheckConfig } from '../../../src/cli/check-config.js';
import { ConfigError, loadConfig, parseConfig } from '../../../src/config/index.js';
import { scrubSecrets } from '../../../src/core/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-secret-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { BREAKWATER_MASTER_KEY: randomBytes(32).toString('base64') };
const CANARY = `canary-${randomBytes(6).toString('hex')}`;

function configFile(name: string, header: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `storage:\n  dir: ./state\nupstreams:\n  api:\n    url: http://127.0.0.1:9/mcp\n    headers:\n      Authorization: "Bearer ${header}"\n`,
  );
  return file;
}

describe('${secret:NAME} in config', () => {
  const store = openSecretStore({
    file: join(dir, 'x.yaml'),
    storageDir: './state',
    secrets: { masterKey: { env: 'BREAKWATER_MASTER_KEY' } },
    env,
  });
  store.set('api-token', CANARY);
  store.close();

  it('resolves at load and registers the value with the scrubber', () => {
    const { config } = loadConfig(configFile('ok.yaml', '${secret:api-token}'), env, { secrets: secretOpener });
    assert.equal(config.upstreams.api?.headers.Authorization, `Bearer ${CANARY}`);
    assert.equal(scrubSecrets(`x ${CANARY} y`), 'x [redacted] y');
  });

  it('a missing secret is a problem naming the secret and how to create it', () => {
    assert.throws(
      () => loadConfig(configFile('missing.yaml', '${secret:nope}'), env, { secrets: secretOpener }),
      (e: ConfigError) => e.problems.some((p) => /secret nope does not exist.*breakwater secrets set nope/.test(p.message)),
    );
  });

  it('without a master key the reference is a problem, not a crash', () => {
    assert.throws(
      () => loadConfig(configFile('nokey.yaml', '${secret:api-token}'), {}, { secrets: secretOpener }),
      (e: ConfigError) => e.problems.some((p) => /cannot be read: no master key/.test(p.message)),
    );
  });

  it('without a store (inline configs) references are reported', () => {
    assert.throws(
      () => parseConfig({ upstreams: { a: { url: 'http://127.0.0.1:9/mcp', headers: { X: '${secret:api-token}' } } } }),
      (e: ConfigError) => e.problems.some((p) => /needs the secret store/.test(p.message)),
    );
  });

  it('check-config validates with the secret resolved and never prints it, even in a problem at that path', async () => {
    let out = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (out += s) } };
    assert.equal(await runCheckConfig([configFile('cc.yaml', '${secret:api-token}')], io, env), 0);
    // A value that fails validation at a path holding a secret is described, not echoed.
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'storage:\n  dir: ./state\nserver:\n  port: "${secret:api-token}"\n');
    assert.equal(await runCheckConfig([bad], io, env), 1);
    assert.doesNotMatch(out, new RegExp(CANARY));
    assert.match(out, /server\.port/);
  });
});
