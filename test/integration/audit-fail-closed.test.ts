// Fail-closed through a real gateway: while the audit log cannot be written, calls are refused with
// GW_AUDIT_UNAVAILABLE and nothing reaches the upstream; they resume by themselves once it can.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { connect, startGateway } from '../helpers/gateway.js';
import { startCountingUpstream } from '../helpers/counting-upstream.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-audit-closed-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('audit fail-closed through the gateway', () => {
  it('a locked audit database refuses calls with GW_AUDIT_UNAVAILABLE, then calls resume', async () => {
    process.env.BREAKWATER_MASTER_KEY ??= randomBytes(32).toString('base64');
    const upstream = await startCountingUpstream(1);
    const gw = await startGateway({ storage: { dir }, audit: { enabled: true }, upstreams: { count: { url: upstream.url } } });
    const client = await connect(gw.url, 'legacy');
    try {
      await client.callTool({ name: 'count__hit', arguments: { n: 1 } });
      const locker = new Database(join(dir, 'audit.db'));
      locker.prepare('BEGIN IMMEDIATE').run();
      try {
        await assert.rejects(
          client.callTool({ name: 'count__hit', arguments: { n: 2 } }),
          (err: { code?: number; data?: { code?: string } }) => {
            assert.equal(err.code, -32050);
            assert.equal(err.data?.code, 'GW_AUDIT_UNAVAILABLE');
            return true;
          },
        );
      } finally {
        locker.prepare('ROLLBACK').run();
        locker.close();
      }
      assert.deepEqual(upstream.seen, [1], 'the refused call never reached the upstream');
      await client.callTool({ name: 'count__hit', arguments: { n: 3 } });
      assert.deepEqual(upstream.seen, [1, 3]);
    } finally {
      await client.close();
      await gw.stop();
      await upstream.close();
    }
  });
});
