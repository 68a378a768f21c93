// The encrypted secret store: envelope encryption, online master-key rotation, tamper refusal, 0600 keys.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { open, seal } from '../../../src/store/crypto/aead.js';
import { keyId, loadKeyring, MasterKeyError } from '../../../src/store/crypto/keyring.js';
import { SqliteSecretStore } from '../../../src/store/sqlite/sqlite-secret-store.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const key = () => randomBytes(32).toString('base64');

function keyFile(name: string, keys: string[], mode = 0o600): string {
  const file = join(dir, name);
  writeFileSync(file, keys.join('\n') + '\n');
  chmodSync(file, mode);
  return file;
}

describe('secret store', () => {
  it('round-trips values; each set uses a fresh data key and nonce', () => {
    const ring = loadKeyring({ env: 'K' }, { K: key() });
    const s = new SqliteSecretStore(join(dir, 'b.db'), () => ring);
    s.set('db-password', 'hunter2-canary');
    s.set('db-password', 'hunter2-canary');
    assert.equal(s.get('db-password'), 'hunter2-canary');
    assert.equal(s.get('missing'), undefined);
    assert.deepEqual(
      s.list().map((i) => [i.name, i.version, i.keyId]),
      [['db-password', 2, ring.active.id]],
    );
    const raw = new Database(join(dir, 'b.db'));
    const row = raw.prepare('SELECT * FROM secrets').get() as { ciphertext: Buffer; nonce: Buffer; tag: Buffer };
    raw.close();
    assert.equal(row.nonce.length, 12);
    assert.equal(row.tag.length, 16);
    assert.ok(!row.ciphertext.toString('utf8').includes('hunter2'), 'ciphertext is not the value');
    assert.equal(s.remove('db-password'), true);
    assert.equal(s.remove('db-password'), false);
    s.close();
  });

  it('rotates the master key online: old and new keys both read, rotate re-wraps, then the old key can go', () => {
    const oldKey = key();
    const newKey = key();
    let env: Record<string, string> = { K: oldKey };
    const store = new SqliteSecretStore(join(dir, 'rot.db'), () => loadKeyring({ env: 'K' }, env));
    for (let i = 0; i < 20; i++) store.set(`s${i}`, `value-${i}`);
    // The operator adds the new key in front (active) and keeps the old one: no restart, every read works.
    env = { K: `${newKey},${oldKey}` };
    assert.equal(store.get('s3'), 'value-3');
    store.set('s-new', 'fresh');
    const report = store.rotate();
    assert.equal(report.rewrapped, 20);
    assert.deepEqual(report.stranded, []);
    assert.equal(store.rotate().rewrapped, 0, 'idempotent');
    const newId = keyId(Buffer.from(newKey, 'base64'));
    assert.ok(store.list().every((i) => i.keyId === newId));
    // The old key removed: every secret still reads.
    env = { K: newKey };
    for (let i = 0; i < 20; i++) assert.equal(store.get(`s${i}`), `value-${i}`);
    assert.equal(store.get('s-new'), 'fresh');
    store.close();
  });

  it('a secret whose master key is gone is reported, not silently lost', () => {
    let env: Record<string, string> = { K: key() };
    const store = new SqliteSecretStore(join(dir, 'gone.db'), () => loadKeyring({ env: 'K' }, env));
    store.set('x', 'value-x');
    env = { K: key() };
    assert.deepEqual(store.rotate().stranded, ['x']);
    assert.throws(() => store.get('x'), /not in the keyring/);
    store.close();
  });

  it('refuses a tampered ciphertext, tag, nonce or wrapped key, and a swapped row', () => {
    const ring = loadKeyring({ env: 'K' }, { K: key() });
    const file = join(dir, 'tamper.db');
    const store = new SqliteSecretStore(file, () => ring);
    store.set('a', 'value-of-a');
    store.set('b', 'value-of-b');
    const db = new Database(file);
    const flip = (col: string) => {
      const before = (db.prepare(`SELECT ${col} AS v FROM secrets WHERE name = 'a'`).get() as { v: Buffer }).v;
      const bad = Buffer.from(before);
      bad[bad.length - 1]! ^= 1;
      db.prepare(`UPDATE secrets SET ${col} = ? WHERE name = 'a'`).run(bad);
      assert.throws(() => store.get('a'), /cannot decrypt secret a/, col);
      db.prepare(`UPDATE secrets SET ${col} = ? WHERE name = 'a'`).run(before);
      assert.equal(store.get('a'), 'value-of-a');
    };
    for (const col of ['ciphertext', 'tag', 'nonce', 'wrapped']) flip(col);
    // A truncated (4-byte) tag is refused, not accepted as a shorter tag.
    const tag = (db.prepare(`SELECT tag FROM secrets WHERE name = 'a'`).get() as { tag: Buffer }).tag;
    db.prepare(`UPDATE secrets SET tag = ? WHERE name = 'a'`).run(tag.subarray(0, 4));
    assert.throws(() => store.get('a'), /cannot decrypt/);
    db.prepare(`UPDATE secrets SET tag = ? WHERE name = 'a'`).run(tag);
    // b's encrypted value and key moved under a's name do not decrypt (associated data binds the name).
    const b = db.prepare(`SELECT * FROM secrets WHERE name = 'b'`).get() as Record<string, unknown>;
    db.prepare(`UPDATE secrets SET wrapped = ?, nonce = ?, ciphertext = ?, tag = ? WHERE name = 'a'`).run(
      b.wrapped,
      b.nonce,
      b.ciphertext,
      b.tag,
    );
    assert.throws(() => store.get('a'), /cannot decrypt/);
    db.close();
    store.close();
  });

  it('AES-GCM refuses a short tag even where Node would accept one', () => {
    const k = randomBytes(32);
    const s = seal(k, Buffer.from('x'), 'aad');
    assert.throws(() => open(k, { ...s, tag: s.tag.subarray(0, 4) }, 'aad', 't'), /cannot decrypt/);
    assert.throws(() => open(k, s, 'other aad', 't'), /cannot decrypt/);
    assert.equal(open(k, s, 'aad', 't').toString(), 'x');
  });

  it('reads keys from a 0600 file (first line active) and refuses wider permissions', () => {
    const [k1, k2] = [key(), key()];
    const ring = loadKeyring({ file: keyFile('keys', ['# comment', k1, k2]) }, {});
    assert.equal(ring.active.id, keyId(Buffer.from(k1, 'base64')));
    assert.equal(ring.ids.length, 2);
    assert.throws(
      () => loadKeyring({ file: keyFile('wide', [k1], 0o644) }, {}),
      (e: Error) => e instanceof MasterKeyError && /chmod 600/.test(e.message),
    );
    assert.throws(() => loadKeyring({ env: 'K' }, { K: 'short' }), /32-byte key/);
    assert.throws(() => loadKeyring({ env: 'K' }, {}), /no master key: set K/);
  });
});
