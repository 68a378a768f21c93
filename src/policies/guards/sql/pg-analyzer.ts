import { loadModule, parseSync, scanSync } from 'libpg-query';
import { ALLOW, deny, type GuardVerdict } from '../guard.js';
import { PG_CAST_TYPES, PG_OPERATORS } from './pg-allowlist.js';
import type { SqlPolicy } from './sql-rules.js';

let loaded: Promise<void> | undefined;
let ready = false;

/** Loads the PostgreSQL parser (WebAssembly) once per process; analyzePostgres() is synchronous after it. */
export function loadPostgresParser(): Promise<void> {
  loaded ??= loadModule().then(() => {
    ready = true;
  });
  return loaded;
}

/** True once the parser is loaded. */
export const postgresParserReady = (): boolean => ready;

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const names = (list: unknown): string[] =>
  Array.isArray(list) ? list.map((n) => (isNode(n) && isNode(n.String) ? String(n.String.sval ?? '') : '')) : [];

// Statement node types that may appear below the top statement: only SELECT (subqueries, CTE bodies).
// Every other `…Stmt` anywhere (a DELETE in a CTE, a COPY, a DO, …) is refused by name.
const READ_STATEMENT = 'SelectStmt';

/**
 * Decides whether one PostgreSQL text is a single read statement, on the server's own grammar
 * (libpg-query 18): the whole tree is walked, so nothing hides in a CTE, a subquery, a cast or a comment.
 * Assumes standard_conforming_strings = on (the default since 9.1); a plain string literal holding a
 * backslash, whose meaning that setting changes, is refused. Design: docs/adr/0017-sql-guard-on-the-server-grammar.md.
 */
export function analyzePostgres(sql: string, policy: SqlPolicy): GuardVerdict {
  let tree: { stmts?: { stmt?: Node }[] };
  try {
    tree = parseSync(sql) as unknown as typeof tree;
  } catch {
    return deny('sql.parse-error', 'not valid PostgreSQL');
  }
  const stmts = tree.stmts ?? [];
  if (stmts.length === 0) return deny('sql.empty', 'no statement');
  if (stmts.length > 1) return deny('sql.multiple-statements', 'only a single statement is allowed');
  let top = stmts[0]!.stmt ?? {};
  if (isNode(top.ExplainStmt)) {
    const explain = top.ExplainStmt;
    const options = Array.isArray(explain.options)
      ? explain.options.map((o) => (isNode(o) && isNode(o.DefElem) ? String(o.DefElem.defname) : ''))
      : [];
    if (options.includes('analyze')) return deny('sql.explain-analyze', 'EXPLAIN ANALYZE executes the statement');
    top = isNode(explain.query) ? explain.query : {};
  }
  if (!isNode(top[READ_STATEMENT]))
    return deny('sql.not-a-read', `only SELECT statements are allowed (got ${Object.keys(top)[0] ?? 'nothing'})`);
  if (sql.includes('\\')) {
    const verdict = checkBackslashes(sql);
    if (verdict) return verdict;
  }
  return walk(top, policy);
}

/** Iterative walk of the whole tree (no recursion: a deep tree cannot overflow the stack). */
function walk(root: Node, policy: SqlPolicy): GuardVerdict {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const v of value) stack.push(v);
      continue;
    }
    if (!isNode(value)) continue;
    for (const [key, child] of Object.entries(value)) {
      if (!isNode(child) && !Array.isArray(child)) continue;
      const verdict = checkNode(key, child, policy);
      if (verdict) return verdict;
      stack.push(child);
    }
  }
  return ALLOW;
}

function checkNode(key: string, node: unknown, policy: SqlPolicy): GuardVerdict | undefined {
  if (key.endsWith('Stmt') && key !== READ_STATEMENT)
    return deny('sql.write-statement', `${key.slice(0, -4)} is not allowed inside a read`);
  if (!isNode(node)) return undefined;
  switch (key) {
    case 'SelectStmt':
      if (node.intoClause) return deny('sql.select-into', 'SELECT … INTO creates a table');
      if (node.lockingClause) return deny('sql.locking-clause', 'FOR UPDATE/SHARE locks rows');
      return undefined;
    case 'FuncCall': {
      const parts = names(node.funcname).map((n) => n.toLowerCase());
      const name = parts[parts.length - 1] ?? '';
      if (parts.length > 1 && parts[0] !== 'pg_catalog')
        return deny('sql.function-not-allowed', `function ${parts.join('.')} is not on the allowlist`);
      if (!policy.functionAllowed(name)) return deny('sql.function-not-allowed', `function ${name} is not on the allowlist`);
      return undefined;
    }
    case 'TypeCast': {
      const parts = names(isNode(node.typeName) ? node.typeName.names : undefined).map((n) => n.toLowerCase());
      const type = parts[parts.length - 1] ?? '';
      if ((parts.length > 1 && parts[0] !== 'pg_catalog') || !PG_CAST_TYPES.has(type))
        return deny('sql.type-not-allowed', `type ${parts.join('.')} is not on the allowlist`);
      return undefined;
    }
    case 'A_Expr': {
      const parts = names(node.name);
      const op = parts[parts.length - 1] ?? '';
      if ((parts.length > 1 && parts[0] !== 'pg_catalog') || (op !== '' && !PG_OPERATORS.has(op)))
        return deny('sql.operator-not-allowed', `operator ${parts.join('.')} is not allowed`);
      return undefined;
    }
    case 'RangeVar': {
      const reason = policy.tableRefused(typeof node.schemaname === 'string' ? node.schemaname : undefined, String(node.relname ?? ''));
      return reason ? deny(reason, `table ${String(node.relname ?? '')} may not be read`) : undefined;
    }
    case 'LockingClause':
      return deny('sql.locking-clause', 'FOR UPDATE/SHARE locks rows');
    case 'IntoClause':
      return deny('sql.select-into', 'SELECT … INTO creates a table');
    default:
      return undefined;
  }
}

/** A plain '…' literal with a backslash means something else under standard_conforming_strings = off. */
function checkBackslashes(sql: string): GuardVerdict | undefined {
  try {
    for (const token of scanSync(sql).tokens)
      if (token.tokenName === 'SCONST' && token.text.startsWith("'") && token.text.includes('\\'))
        return deny('sql.ambiguous-string', "a backslash in a plain string literal depends on standard_conforming_strings; use E'…'");
  } catch {
    return deny('sql.parse-error', 'not valid PostgreSQL');
  }
  return undefined;
}
