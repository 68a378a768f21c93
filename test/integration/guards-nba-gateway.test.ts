// The seed's case through the gateway: a read-only analytics SQL tool (our fixture running queries on the
// real PostgreSQL) and server-filesystem, each behind a guard, with a 1 MB request limit; real SDK v2
// clients of both eras. Refused calls never reach the upstream, name the argument and rule, and are
// published on the gateway's guard channel.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GuardDecisionEvent } from '../../src/observability/index.js';
import { connect, serverEntry, startGateway, type TestGateway } from '../helpers/gateway.js';
import { seedGuardSchema } from '../helpers/psql.js';

type RpcErr = { code?: number; message: string; data?: { code?: string; guard?: string; rule?: string; path?: string } };
const refused = (guard: string, rule: string, path: string) => (err: RpcErr) => {
  assert.equal(err.code, -32602, err.message);
  assert.deepEqual([err.data?.code, err.data?.guard, err.data?.rule, err.data?.path], ['GW_GUARD_REJECTED', guard, rule, path]);
  return true;
};
const text = (r: unknown): string => (r as { content: { text: string }[] }).content[0]?.text ?? '';

void describe('NBA analytics behind guards (SQL tool on PostgreSQL + server-filesystem)', () => {
  let gw: TestGateway;
  let base: string;
  let root: string;
  const events: GuardDecisionEvent[] = [];

  before(async () => {
    await seedGuardSchema();
    base = realpathSync(mkdtempSync(join(tmpdir(), 'bw-nba-')));
    root = join(base, 'reports');
    mkdirSync(root);
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(root, 'box-score.csv'), 'player,pts\nplayer1,31\n');
    writeFileSync(join(base, 'outside', 'secret.txt'), 'db password');
    symlinkSync(join(base, 'outside'), join(root, 'link-out'));
    gw = await startGateway({
      server: { maxBodyBytes: 1_048_576 },
      upstreams: {
        stats: {
          command: process.execPath,
          args: [new URL('../fixtures/sql-tool-server.mjs', import.meta.url).pathname],
          guards: { tools: { query: [{ type: 'sql', args: ['/sql'], tables: { allow: ['games', 'player_stats'] } }] } },
        },
        files: {
          command: process.execPath,
          args: [serverEntry('@modelcontextprotocol/server-filesystem'), root],
          guards: {
            tools: {
              'read_*': [{ type: 'path', args: ['/path', '/paths/*'], roots: [root], extensions: ['.csv', '.md'] }],
              '*': [{ type: 'length', args: ['/content'], maxLength: 100_000 }],
            },
          },
        },
      },
    });
    gw.gateway.channels.guard.subscribe((e) => events.push(e));
  });
  after(async () => {
    await gw?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  for (const era of ['legacy', 'modern'] as const)
    void it(`${era}: analytics queries run; writes, stacking and other tables are refused before the tool`, async () => {
      const client = await connect(gw.url, era);
      try {
        const calls = async () => Number(text(await client.callTool({ name: 'stats__calls', arguments: {} })));
        const before = await calls();
        const top = await client.callTool({
          name: 'stats__query',
          arguments: {
            sql: 'SELECT player, sum(pts) AS points, rank() OVER (ORDER BY sum(pts) DESC) FROM player_stats GROUP BY player ORDER BY points DESC LIMIT 3',
          },
        });
        assert.match(text(top), /^player\d+\|\d+\|1$/m);
        await assert.rejects(
          client.callTool({ name: 'stats__query', arguments: { sql: 'SELECT 1; DELETE FROM games' } }),
          refused('sql', 'sql.multiple-statements', '/sql'),
        );
        await assert.rejects(
          client.callTool({ name: 'stats__query', arguments: { sql: 'WITH d AS (DELETE FROM games RETURNING *) SELECT count(*) FROM d' } }),
          refused('sql', 'sql.write-statement', '/sql'),
        );
        await assert.rejects(
          client.callTool({ name: 'stats__query', arguments: { sql: 'SELECT email FROM customers' } }),
          refused('sql', 'sql.table-not-allowed', '/sql'),
        );
        await assert.rejects(
          client.callTool({ name: 'stats__query', arguments: { sql: 'SELECT pg_sleep(30)' } }),
          refused('sql', 'sql.function-not-allowed', '/sql'),
        );
        await assert.rejects(
          client.callTool({ name: 'stats__query', arguments: { query: 'SELECT 1' } }),
          refused('schema', 'schema.required', '/sql'),
        );
        // Over the 1 MB request limit: refused at the edge, the tool never sees it.
        await assert.rejects(client.callTool({ name: 'stats__query', arguments: { sql: `SELECT '${'x'.repeat(1_100_000)}'` } }));
        assert.equal(await calls(), before + 1, 'only the allowed query reached the SQL tool');
      } finally {
        await client.close();
      }
    });

  for (const era of ['legacy', 'modern'] as const)
    void it(`${era}: the file tool reads inside its root; traversal, symlink escapes and other extensions are refused`, async () => {
      const client = await connect(gw.url, era);
      try {
        const ok = await client.callTool({ name: 'files__read_text_file', arguments: { path: join(root, 'box-score.csv') } });
        assert.match(text(ok), /player1,31/);
        await assert.rejects(
          client.callTool({ name: 'files__read_text_file', arguments: { path: `${root}/../outside/secret.txt` } }),
          refused('path', 'path.outside-roots', '/path'),
        );
        await assert.rejects(
          client.callTool({ name: 'files__read_text_file', arguments: { path: join(root, 'link-out', 'secret.txt') } }),
          refused('path', 'path.symlink-escape', '/path'),
        );
        await assert.rejects(
          client.callTool({ name: 'files__read_text_file', arguments: { path: `${root}/%2e%2e/outside/secret.txt` } }),
          refused('path', 'path.outside-roots', '/path'),
        );
        await assert.rejects(
          client.callTool({ name: 'files__read_text_file', arguments: { path: '/etc/passwd' } }),
          refused('path', 'path.outside-roots', '/path'),
        );
        await assert.rejects(
          client.callTool({
            name: 'files__read_multiple_files',
            arguments: { paths: [join(root, 'box-score.csv'), join(root, 'link-out', 'secret.txt')] },
          }),
          refused('path', 'path.symlink-escape', '/paths/1'),
        );
      } finally {
        await client.close();
      }
    });

  void it('every refusal was published on the guard channel, never with the value', () => {
    const denies = events.filter((e) => e.decision === 'deny');
    assert.ok(denies.length >= 18, `${denies.length} deny events`);
    assert.ok(denies.every((e) => e.mode === 'enforce' && e.rule.length > 0));
    assert.ok(!JSON.stringify(events).includes('secret.txt'));
    assert.ok(events.some((e) => e.decision === 'allow' && e.guard === 'sql' && e.upstream === 'stats'));
  });
});
