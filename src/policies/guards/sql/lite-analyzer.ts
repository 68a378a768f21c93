import nodeSqlParser from 'node-sql-parser';
import { ALLOW, deny, type GuardVerdict } from '../guard.js';
import type { SqlPolicy } from './sql-rules.js';

const { Parser } = nodeSqlParser;
const parser = new Parser();

const COMMON =
  'count sum avg min max group_concat abs round lower upper length substr substring trim ltrim rtrim replace instr coalesce ' +
  'ifnull nullif row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value ' +
  'json_extract json_array json_object json_type cast';
const MYSQL =
  'json_arrayagg json_objectagg std stddev stddev_pop stddev_samp variance var_pop var_samp bit_and bit_or bit_xor ceil ' +
  'ceiling floor truncate sqrt pow power exp ln log log10 log2 mod sign greatest least lcase ucase char_length ' +
  'character_length substring_index locate lpad rpad concat concat_ws left right repeat reverse format date_format ' +
  'str_to_date now curdate current_date current_timestamp date date_add date_sub datediff timestampdiff year month day ' +
  'dayofweek week hour minute second extract unix_timestamp from_unixtime if json_unquote json_length json_keys ' +
  'json_contains convert';
const SQLITE =
  'total iif date time datetime julianday strftime unixepoch json json_group_array json_group_object json_each json_tree ' +
  'printf format typeof hex quote';

/** Built-in functions a read-only query may call, per dialect (lower case). */
export const LITE_READ_FUNCTIONS: Readonly<Record<'mysql' | 'sqlite', ReadonlySet<string>>> = {
  mysql: new Set(`${COMMON} ${MYSQL}`.split(/\s+/)),
  sqlite: new Set(`${COMMON} ${SQLITE}`.split(/\s+/)),
};

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The lower-case name of a function node of node-sql-parser 5 (`{name: {name: [{value}]}}` or a string). */
function functionName(node: Node): string {
  const name = node.name;
  if (typeof name === 'string') return name.toLowerCase();
  if (isNode(name) && Array.isArray(name.name))
    return name.name
      .map((p) => (isNode(p) ? String(p.value ?? '') : ''))
      .join('.')
      .toLowerCase();
  return '';
}

/**
 * Decides whether one MySQL or SQLite text is a single read statement, on node-sql-parser (a grammar of
 * the dialect, not the server's own parser: what it cannot parse is refused). Walks the whole tree.
 */
export function analyzeLite(sql: string, dialect: 'mysql' | 'sqlite', policy: SqlPolicy): GuardVerdict {
  let ast: unknown;
  let tables: string[];
  try {
    ast = parser.astify(sql, { database: dialect });
    tables = parser.tableList(sql, { database: dialect });
  } catch {
    return deny('sql.parse-error', `not valid ${dialect === 'mysql' ? 'MySQL' : 'SQLite'} (as node-sql-parser reads it)`);
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  if (statements.length === 0) return deny('sql.empty', 'no statement');
  if (statements.length > 1) return deny('sql.multiple-statements', 'only a single statement is allowed');
  const top = statements[0];
  if (!isNode(top) || top.type !== 'select')
    return deny('sql.not-a-read', `only SELECT statements are allowed (got ${isNode(top) ? String(top.type) : 'nothing'})`);
  for (const entry of tables) {
    const [op, db, table] = entry.split('::');
    if (op !== 'select') return deny('sql.write-statement', `${String(op)} is not allowed inside a read`);
    const reason = policy.tableRefused(db === 'null' ? undefined : db, table ?? '');
    if (reason) return deny(reason, `table ${table ?? ''} may not be read`);
  }
  const stack: unknown[] = [top];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const v of value) stack.push(v);
      continue;
    }
    if (!isNode(value)) continue;
    if (
      typeof value.type === 'string' &&
      value.type !== 'select' &&
      'table' in value &&
      ('set' in value || 'values' in value || value.type === 'delete')
    )
      return deny('sql.write-statement', `${value.type} is not allowed inside a read`);
    if (isNode(value.into) && (value.into.position != null || value.into.expr != null))
      return deny('sql.select-into', 'SELECT … INTO writes');
    if (value.locking_read != null || value.for_update != null) return deny('sql.locking-clause', 'FOR UPDATE/SHARE locks rows');
    if (value.type === 'function' || value.type === 'aggr_func') {
      const name = functionName(value);
      if (!policy.functionAllowed(name)) return deny('sql.function-not-allowed', `function ${name} is not on the allowlist`);
    }
    for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) stack.push(child);
  }
  return ALLOW;
}
