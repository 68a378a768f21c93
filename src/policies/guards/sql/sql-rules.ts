import { globsMatcher } from '../glob.js';

/** What the SQL analyzers check besides statement kinds (built once per configured guard). */
export interface SqlPolicy {
  /** True when a function (lower-case name, no schema) may be called. */
  readonly functionAllowed: (name: string) => boolean;
  /** Why a table (`schema.table` or `table`) may not be read, or undefined when it may. */
  readonly tableRefused: (schema: string | undefined, table: string) => string | undefined;
}

/** Builds the function and table rules from an allowlist and the guard's config. */
export function sqlPolicy(
  builtIn: ReadonlySet<string>,
  config: {
    allowFunctions: readonly string[];
    denyFunctions: readonly string[];
    tables: { allow?: readonly string[] | undefined; deny: readonly string[] };
  },
): SqlPolicy {
  const extra = new Set(config.allowFunctions.map((f) => f.toLowerCase()));
  const denied = new Set(config.denyFunctions.map((f) => f.toLowerCase()));
  const allowTable = config.tables.allow ? globsMatcher(config.tables.allow) : undefined;
  const denyTable = globsMatcher(config.tables.deny);
  return {
    functionAllowed: (name) => !denied.has(name) && (builtIn.has(name) || extra.has(name)),
    tableRefused(schema, table) {
      const names = schema ? [`${schema}.${table}`, table] : [table];
      if (names.some(denyTable)) return 'sql.table-denied';
      if (allowTable && !names.some(allowTable)) return 'sql.table-not-allowed';
      return undefined;
    },
  };
}
