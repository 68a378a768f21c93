// In-process cost of the guards on the per-call path (no sockets): CPU µs per call through the guard
// policy in front of an instant terminal, 100 B-class arguments. Run: `npm run build && node dist/bench/guard-cost.js`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compose, type CallContext, type Next, type Policy } from '../src/pipeline/index.js';
import {
  bindGuard,
  createGuardPolicy,
  createLengthGuard,
  createPathGuard,
  createSchemaGuard,
  createSqlGuard,
  createUrlGuard,
  preloadSqlParsers,
  SchemaCompiler,
  type GuardBinding,
} from '../src/policies/guards/index.js';
import { benchContext } from './lib/call-context.js';

const SCHEMA = {
  type: 'object',
  properties: {
    sql: { type: 'string', maxLength: 10_000 },
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
    path: { type: 'string' },
    url: { type: 'string' },
  },
  required: ['sql'],
  additionalProperties: false,
};
const SQL = "SELECT player, sum(pts) FROM player_stats WHERE team = 'T1' GROUP BY player ORDER BY 2 DESC LIMIT 10";

const dir = mkdtempSync(join(tmpdir(), 'bw-guard-cost-'));
writeFileSync(join(dir, 'box.csv'), 'x');
const sqlDefaults = { dialect: 'postgresql', maxLength: 100_000, allowFunctions: [], denyFunctions: [], tables: { deny: [] } } as const;
const schema = bindGuard(
  createSchemaGuard(new SchemaCompiler({ maxSchemaBytes: 1 << 20, maxSchemaDepth: 64, maxPatternInput: 10_000 }).compile(SCHEMA), 'allow'),
  [''],
  'enforce',
);
const sql = bindGuard(createSqlGuard(sqlDefaults), ['/sql'], 'enforce');

const CASES: Record<string, { bindings: GuardBinding[]; args: (i: number) => Record<string, unknown>; calls?: number }> = {
  'no guard (policy absent)': { bindings: [], args: () => ({ sql: SQL, limit: 10 }) },
  'schema validation (inputSchema, 2 arguments)': { bindings: [schema], args: () => ({ sql: SQL, limit: 10 }) },
  'length guard': { bindings: [bindGuard(createLengthGuard({ maxLength: 10_000 }), ['/sql'], 'enforce')], args: () => ({ sql: SQL }) },
  'sql guard, repeated query (cached verdict)': { bindings: [sql], args: () => ({ sql: SQL }) },
  'schema + sql guard, repeated query (the bench "guarded" variant)': { bindings: [schema, sql], args: () => ({ sql: SQL, limit: 10 }) },
  'sql guard, new query every call (parse + walk)': {
    bindings: [bindGuard(createSqlGuard(sqlDefaults), ['/sql'], 'enforce')],
    args: (i) => ({ sql: `${SQL} OFFSET ${i}` }),
    calls: 3_000,
  },
  'path guard (existing file: realpath + stat)': {
    bindings: [bindGuard(createPathGuard({ roots: [dir], decodePercent: true, maxLength: 4096 }), ['/path'], 'enforce')],
    args: () => ({ path: join(dir, 'box.csv') }),
    calls: 10_000,
  },
  'url guard (IP literal, no DNS)': {
    bindings: [
      bindGuard(
        createUrlGuard({
          schemes: ['https'],
          hosts: { deny: [] },
          allowAddresses: [],
          resolve: true,
          resolveTimeoutMs: 2000,
          maxLength: 8192,
        }),
        ['/url'],
        'enforce',
      ),
    ],
    args: () => ({ url: 'https://93.184.215.14/data.json' }),
  },
};

const ctx = (args: Record<string, unknown>): CallContext =>
  benchContext({ route: { upstream: 'db', kind: 'tool', name: 'db__query', target: 'query' }, params: { name: 'query', arguments: args } });

await preloadSqlParsers();
const terminal: Next = async () => ({ content: [] });
const rows: string[] = [];
let baseline = 0;
for (const [name, c] of Object.entries(CASES)) {
  const policies: Policy[] = c.bindings.length > 0 ? [createGuardPolicy({ bindings: c.bindings })] : [];
  const next = compose(policies, terminal);
  const calls = c.calls ?? 100_000;
  for (let i = 0; i < Math.min(calls, 20_000); i++) await next(ctx(c.args(-1 - i)));
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await next(ctx(c.args(i)));
  const used = process.cpuUsage(start);
  const us = (used.user + used.system) / calls;
  if (c.bindings.length === 0) baseline = us;
  rows.push(`| ${name} | ${us.toFixed(2)} | ${c.bindings.length === 0 ? '—' : (us - baseline).toFixed(2)} |`);
}
process.stdout.write(
  ['| guards | CPU µs per call (incl. the context) | added by the guards (µs) |', '|---|--:|--:|', ...rows, ''].join('\n'),
);
process.exit(0);
