// Differential property of the SQL read-only guard against the real PostgreSQL on 127.0.0.1: fast-check
// generates statement texts (corpus entries, mutations, stacked and wrapped statements, generated
// expressions with allowed and dangerous functions, casts and operators); every text the guard accepts is
// run inside BEGIN … ROLLBACK (in a savepoint, so an error does not end the check) and must leave
// pg_current_xact_id_if_assigned() NULL and the catalog (pg_class), sequences, advisory locks, LISTEN
// channels and key settings unchanged. Short in `npm test`; `npm run fuzz` runs ≥ 10,000 (FUZZ_RUNS, FUZZ_SEED).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createSqlGuard, loadPostgresParserForTests } from './_sql-guard-support.js';
import { psql, seedGuardSchema } from '../helpers/psql.js';
import { readCorpus } from '../unit/guards/_corpus.js';

const FUZZ = process.env.FUZZ_RUNS !== undefined;
const RUNS = FUZZ ? Math.max(10_000, Number(process.env.FUZZ_RUNS)) : 300;
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);

const legit = readCorpus('sql-legit.txt');
const bypass = readCorpus('sql-bypass.txt');
const tables = ['orders', 'customers', 'products', 'order_items', 'games', 'player_stats', 'pg_class', 'bw_seq'];
const columns = ['id', 'amount', 'status', 'name', 'meta', 'created_at', '1', "'x'", 'NULL', '$$a$$', "E'\\\\n'"];
const functions = [
  'count',
  'sum',
  'lower',
  'upper',
  'coalesce',
  'jsonb_typeof',
  'md5',
  'now',
  'abs',
  'length',
  'pg_sleep',
  'nextval',
  'setval',
  'txid_current',
  'set_config',
  'pg_advisory_lock',
  'pg_notify',
  'lo_import',
  'pg_read_file',
  'query_to_xml',
  'currval',
  'dblink',
];
const types = ['int', 'text', 'numeric', 'jsonb', 'date', 'regclass', 'regproc', 'bw_guard.t', 'float8', 'varchar(3)'];
const ops = ['=', '<>', '+', '||', '->>', '@>', '~', 'OPERATOR(pg_catalog.=)', 'OPERATOR(public.=)'];
const suffixes = [
  '',
  '; COMMIT',
  '; DELETE FROM orders',
  ' FOR UPDATE',
  ' -- x',
  ' /* ; */',
  ';',
  '; SELECT 1',
  ' LIMIT 1',
  ' FOR SHARE SKIP LOCKED',
];

const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...columns),
    fc.tuple(fc.constantFrom(...functions), tie('e')).map(([f, a]) => `${f}(${a})`),
    fc.tuple(tie('e'), fc.constantFrom(...ops), tie('e')).map(([a, o, b]) => `(${a} ${o} ${b})`),
    fc.tuple(tie('e'), fc.constantFrom(...types)).map(([a, t]) => `(${a})::${t}`),
    fc.tuple(tie('e'), fc.constantFrom(...tables)).map(([a, t]) => `(SELECT ${a} FROM ${t} LIMIT 1)`),
  ),
})).e;

const statement: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...legit),
  fc.constantFrom(...bypass),
  fc.tuple(fc.constantFrom(...legit), fc.constantFrom(...suffixes)).map(([s, x]) => s + x),
  fc.tuple(expr, fc.constantFrom(...tables), fc.constantFrom(...suffixes)).map(([e, t, x]) => `SELECT ${e} FROM ${t} LIMIT 2${x}`),
  fc.tuple(fc.constantFrom(...legit, ...bypass.slice(0, 40)), expr).map(([s, e]) => `WITH c AS (${s}) SELECT ${e} FROM c LIMIT 1`),
  fc.tuple(fc.constantFrom(...legit), expr).map(([s, e]) => `SELECT * FROM (${s}) s WHERE ${e} IS NOT NULL LIMIT 1`),
  fc
    .tuple(
      fc.constantFrom('EXPLAIN ', 'EXPLAIN ANALYZE ', 'EXPLAIN (ANALYZE) ', ''),
      fc.constantFrom(...legit, 'DELETE FROM orders', "SELECT nextval('bw_seq')"),
    )
    .map(([a, b]) => a + b),
);

const STATE =
  "SELECT 'STATE ' || (SELECT coalesce(sum(last_value), 0) FROM pg_sequences) || ' ' || (SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory') || ' ' || (SELECT count(*) FROM pg_listening_channels()) || ' ' || current_setting('default_transaction_read_only') || ' ' || current_setting('search_path') || ' ' || current_user;";

void describe('sql guard vs the real PostgreSQL (differential)', () => {
  before(async () => {
    await seedGuardSchema();
    await loadPostgresParserForTests();
  });

  void it(`every generated statement the guard accepts leaves no transaction id and no trace (${RUNS} runs)`, async (t) => {
    const guard = createSqlGuard();
    const texts = fc.sample(statement, { numRuns: RUNS, seed: SEED });
    const accepted: string[] = [];
    for (const sql of texts) {
      const v = guard.check({ value: sql, pointer: '', document: sql, signal: new AbortController().signal });
      const verdict = v instanceof Promise ? await v : v;
      if (verdict.decision === 'allow') accepted.push(sql);
    }
    assert.ok(accepted.length > RUNS / 20, `too few accepted (${accepted.length}) for the property to mean anything`);
    const started = performance.now();
    let script = "SET statement_timeout = '2s'; SET search_path = bw_guard;\n" + STATE + '\n';
    accepted.forEach((sql, i) => {
      script += `BEGIN;\nSAVEPOINT s;\n${sql}\n;\nROLLBACK TO SAVEPOINT s;\nSELECT 'XID ${i} ' || coalesce(pg_current_xact_id_if_assigned()::text, 'null') || ' ' || (SELECT count(*) FROM pg_class);\nROLLBACK;\n${STATE}\n`;
    });
    const { stdout, stderr } = await psql(script, 600_000);
    const lines = stdout.split('\n');
    const xids = lines.filter((l) => l.startsWith('XID '));
    const states = lines.filter((l) => l.startsWith('STATE '));
    assert.equal(
      xids.length,
      accepted.length,
      'every accepted statement reported its transaction state (none broke out of the transaction)',
    );
    const classes = new Set<string>();
    for (const line of xids) {
      const [, i, xid, pgClass] = line.split(' ');
      assert.equal(xid, 'null', `a transaction id was assigned by: ${accepted[Number(i)]}`);
      classes.add(pgClass!);
    }
    assert.equal(classes.size, 1, 'pg_class changed inside a transaction');
    assert.equal(new Set(states).size, 1, `sequences, advisory locks, LISTEN or settings changed: ${[...new Set(states)].join(' | ')}`);
    const errors = stderr.split('\n').filter((l) => l.startsWith('ERROR') || l.includes('ERROR:')).length;
    t.diagnostic(
      `${texts.length} generated, ${accepted.length} accepted and run on PostgreSQL in ${Math.round(performance.now() - started)} ms (${errors} of them errored at run time, rolled back); seed ${SEED}`,
    );
  });

  void it('every legitimate corpus query runs on PostgreSQL without error', async () => {
    let script = 'SET search_path = bw_guard;\n';
    legit.forEach((sql, i) => (script += `BEGIN;\n${sql}\n;\nROLLBACK;\n\\echo DONE ${i}\n`));
    const { stdout, stderr } = await psql(script);
    assert.equal(stderr.trim(), '', stderr);
    assert.equal(stdout.split('\n').filter((l) => l.startsWith('DONE ')).length, legit.length);
  });
});
