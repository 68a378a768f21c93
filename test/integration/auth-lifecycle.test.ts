// A running gateway follows its key store (issue 9 items 1 and 7): a revocation and an operator's unblock
// (as `breakwater keys` writes them) take effect within the sync interval, and a block is published on the
// `authentication` channel. Also: `auth.anonymous: true` admits callers without a credential while still
// checking the credentials that are sent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Gateway } from '../../src/app/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import type { AuthenticationEvent } from '../../src/observability/index.js';
import { MemoryKeyStore } from '../../src/store/memory/memory-key-store.js';
import { issueApiKey } from '../../src/transport/auth/index.js';

/** Polls `probe` until it returns true (bounded); the sync runs on a 1 s timer inside the gateway. */
async function eventually(probe: () => Promise<boolean>, ms = 8_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

void describe('key store lifecycle in a running gateway', () => {
  const store = new MemoryKeyStore();
  const alice = issueApiKey({ name: 'alice', roles: [], now: Date.now() });
  const events: AuthenticationEvent[] = [];
  let gateway: Gateway;
  before(async () => {
    store.add(alice.record);
    const config = parseConfig(
      { server: { port: 0, host: '0.0.0.0' }, auth: { anonymous: true, failures: { address: { maxFailures: 3 } } } },
      '<test>',
    ).config;
    gateway = new Gateway({ config, log: silentLogger, keyStore: store });
    gateway.channels.authentication.subscribe((e) => events.push(e));
    await gateway.start();
  });
  after(() => gateway?.stop());

  const ping = (authorization?: string) =>
    fetch(gateway.url.replace('0.0.0.0', '127.0.0.1'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(authorization && { authorization }) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    }).then(async (r) => (await r.text(), r.status));

  void it('anonymous: true admits a caller without a credential but still refuses a bad one', async () => {
    assert.notEqual(await ping(), 401);
    assert.equal(await ping('Bearer bwk_' + 'B'.repeat(43)), 401);
    assert.notEqual(await ping(`Bearer ${alice.key}`), 401);
  });

  void it('a revocation in the store is enforced by the running gateway within the sync interval', async () => {
    store.revoke(alice.record.id);
    assert.ok(await eventually(async () => (await ping(`Bearer ${alice.key}`)) === 401), 'revoked key refused');
  });

  void it('an address block is published, and an unblock in the store lifts it', async () => {
    const bad = 'Bearer bwk_' + 'C'.repeat(43);
    for (let i = 0; i < 3; i++) await ping(bad);
    assert.equal(await ping(), 429, 'the whole address is blocked, anonymous requests too');
    const block = events.find((e) => e.block !== undefined);
    assert.ok(block?.block?.subject.startsWith('address:'));
    assert.equal(store.blocks(Date.now()).length, 1, 'the block is persisted for the CLI');
    assert.ok(store.unblock(block!.block!.subject));
    assert.ok(await eventually(async () => (await ping()) !== 429), 'unblocked');
  });
});
