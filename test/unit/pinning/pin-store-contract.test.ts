// The PinStore contract, run against every implementation (ARCHITECTURE §4.8): put/get round trip with
// every field, list order and filter, replacement, and a version that changes with writes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { PinRecord, PinStore } from '../../../src/policies/pinning/index.js';
import { MemoryPinStore } from '../../../src/store/memory/memory-pin-store.js';
import { SqlitePinStore } from '../../../src/store/sqlite/sqlite-pin-store.js';

const pin = (upstream: string, tool: string, extra: Partial<PinRecord> = {}): PinRecord => ({
  upstream,
  tool,
  approvedHash: 'a'.repeat(64),
  approvedBodyHash: 'b'.repeat(64),
  approvedText: '{"name":"x"}',
  pendingHash: null,
  pendingText: null,
  rejectedHash: null,
  findings: [],
  renamedFrom: null,
  firstSeen: 1_000,
  updatedAt: 2_000,
  ...extra,
});

const implementations: [string, () => { store: PinStore; other?: () => PinStore; cleanup: () => void }][] = [
  ['memory', () => ({ store: new MemoryPinStore(), cleanup: () => {} })],
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'bw-pin-contract-'));
      const file = join(dir, 'pins.db');
      return {
        store: new SqlitePinStore(file),
        other: () => new SqlitePinStore(file),
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
];

for (const [name, make] of implementations) {
  describe(`PinStore contract: ${name}`, () => {
    it('round-trips every field, replaces by (upstream, tool), lists in order and by upstream', async (t) => {
      const { store, cleanup } = make();
      t.after(async () => {
        await store.close();
        cleanup();
      });
      assert.equal(await store.get('u', 'missing'), undefined);
      const full = pin('u', 't', {
        pendingHash: 'c'.repeat(64),
        pendingText: '{"name":"y"}',
        rejectedHash: 'd'.repeat(64),
        findings: ['shadowing: x'],
        renamedFrom: 'old',
      });
      await store.put(full);
      assert.deepEqual(await store.get('u', 't'), full);
      await store.put({ ...full, pendingHash: null, pendingText: null, updatedAt: 3_000 });
      assert.equal((await store.get('u', 't'))?.pendingHash, null);
      await store.put(pin('b-up', 'z'));
      await store.put(pin('u', 'a'));
      assert.deepEqual(
        (await store.list()).map((p) => `${p.upstream}/${p.tool}`),
        ['b-up/z', 'u/a', 'u/t'],
      );
      assert.deepEqual(
        (await store.list('u')).map((p) => p.tool),
        ['a', 't'],
      );
    });

    it('the version changes when the pins change (also for writes through another connection)', async (t) => {
      const { store, other, cleanup } = make();
      t.after(async () => {
        await store.close();
        cleanup();
      });
      const before = await store.version();
      const writer = other?.() ?? store;
      await writer.put(pin('u', 't'));
      assert.notEqual(await store.version(), before);
      if (writer !== store) await writer.close();
    });
  });
}
