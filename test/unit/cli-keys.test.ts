// `breakwater keys` (issue 9 item 1): create prints the key once and stores only its hash; list, revoke,
// rotate with grace, blocks and unblock work on the config's storage.dir/keys.db.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { invoke } from '../../src/cli/invoke.js';
import { SqliteKeyStore } from '../../src/store/sqlite/sqlite-key-store.js';
import { hashApiKey } from '../../src/transport/auth/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, 'breakwater.yaml');
writeFileSync(config, 'auth: {}\n');

async function keys(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await invoke('keys', [...argv, '--config', config], {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {},
  });
  return { code, out, err };
}

void describe('breakwater keys', () => {
  void it('create prints the key once; only its hash is stored; list shows it active with roles and expiry', async () => {
    const created = await keys('create', '--name', 'ci-bot', '--roles', 'dev,reader', '--expires', '30d');
    assert.equal(created.code, 0);
    const key = created.out.trim();
    assert.match(key, /^bwk_[A-Za-z0-9_-]{43}$/);
    assert.match(created.err, /shown once/);
    const db = readFileSync(join(dir, '.breakwater', 'keys.db'));
    assert.ok(!db.includes(key), 'the key itself is not in the file');
    const store = new SqliteKeyStore(join(dir, '.breakwater', 'keys.db'));
    const record = store.byHash(hashApiKey(key));
    store.close();
    assert.deepEqual(record?.roles, ['dev', 'reader']);
    assert.ok(record?.expiresAt !== undefined && record.expiresAt > Date.now() + 29 * 86_400_000);
    const listed = await keys('list');
    assert.match(listed.out, new RegExp(`${record!.id}\\tci-bot\\tactive\\tdev,reader`));
    assert.ok(!listed.out.includes(key));
  });

  void it('rotate with grace keeps the old key until then; revoke by name; unknown keys and missing flags fail clearly', async () => {
    const rotated = await keys('rotate', 'ci-bot', '--grace', '1h');
    assert.equal(rotated.code, 0);
    assert.match(rotated.out.trim(), /^bwk_/);
    assert.match(rotated.err, /works until/);
    const list = (await keys('list')).out;
    assert.equal((list.match(/ci-bot\tactive/g) ?? []).length, 2, 'old key active during its grace');
    assert.equal((await keys('revoke', 'ci-bot')).code, 0);
    assert.equal((await keys('revoke', 'nobody')).code, 1);
    assert.equal((await keys('create')).code, 2);
    assert.equal((await keys('create', '--name', 'x', '--expires', 'soon')).code, 2);
  });

  void it('blocks lists blocks in force and unblock lifts one', async () => {
    const store = new SqliteKeyStore(join(dir, '.breakwater', 'keys.db'));
    store.block({ subject: 'address:203.0.113.7', until: Date.now() + 60_000, reason: 'invalid', createdAt: Date.now() });
    store.close();
    assert.match((await keys('blocks')).out, /address:203\.0\.113\.7\tuntil /);
    assert.equal((await keys('unblock', 'address:203.0.113.7')).code, 0);
    assert.match((await keys('blocks')).out, /no blocks in force/);
    assert.equal((await keys('unblock', 'address:203.0.113.7')).code, 1);
  });
});
