import type { GuardEntryConfig } from '../../../config/index.js';
import { deny, type Guard, type GuardVerdict } from '../guard.js';
import { analyzeLite, LITE_READ_FUNCTIONS } from './lite-analyzer.js';
import { analyzePostgres, loadPostgresParser, postgresParserReady } from './pg-analyzer.js';
import { PG_READ_FUNCTIONS } from './pg-allowlist.js';
import { sqlPolicy } from './sql-rules.js';

/** The `sql` guard's settings (config defaults filled). */
export type SqlGuardConfig = Pick<
  Extract<GuardEntryConfig, { type: 'sql' }>,
  'dialect' | 'maxLength' | 'allowFunctions' | 'denyFunctions' | 'tables'
>;

/** Texts up to this long have their verdict cached (tools repeat their queries; parsing is the cost). */
const CACHEABLE_CHARS = 4096;
const CACHE_ENTRIES = 1024;

/**
 * The SQL read-only guard: a single read statement, checked on a real parser of the dialect (PostgreSQL:
 * libpg-query 18, the server's own grammar; MySQL/SQLite: node-sql-parser). Verdicts of short texts are
 * kept in a bounded LRU: the same query costs one Map lookup the second time.
 */
export function createSqlGuard(config: SqlGuardConfig): Guard {
  const pg = config.dialect === 'postgresql';
  // Start loading the WebAssembly parser now (config load), not on the first call.
  if (pg) void loadPostgresParser().catch(() => {});
  const policy = sqlPolicy(pg ? PG_READ_FUNCTIONS : LITE_READ_FUNCTIONS[config.dialect as 'mysql' | 'sqlite'], config);
  const cache = new Map<string, GuardVerdict>();
  const analyze = (sql: string): GuardVerdict =>
    pg ? analyzePostgres(sql, policy) : analyzeLite(sql, config.dialect as 'mysql' | 'sqlite', policy);

  const decide = (sql: string): GuardVerdict => {
    const hit = cache.get(sql);
    if (hit) return hit;
    const verdict = analyze(sql);
    if (sql.length <= CACHEABLE_CHARS) {
      if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(sql, verdict);
    }
    return verdict;
  };

  return {
    kind: 'sql',
    check({ value }) {
      if (typeof value !== 'string') return deny('sql.not-a-string', 'expected the SQL text as a string');
      if (value.length > config.maxLength) return deny('sql.too-long', `longer than ${config.maxLength} characters`);
      if (value.trim() === '') return deny('sql.empty', 'no statement');
      if (pg && !postgresParserReady()) return loadPostgresParser().then(() => decide(value));
      return decide(value);
    },
  };
}

/** Loads the parsers a config's SQL guards need, so the first call does not wait for WebAssembly. */
export function preloadSqlParsers(): Promise<void> {
  return loadPostgresParser();
}
