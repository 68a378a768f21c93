import type { GuardEntryConfig, GuardKind } from '../../config/index.js';
import type { Guard } from './guard.js';
import { createCodeGuard } from './code/code-guard.js';
import { createContentGuard } from './content/content-guard.js';
import { createLengthGuard } from './length-guard.js';
import { createPathGuard } from './path/path-guard.js';
import { createSqlGuard } from './sql/sql-guard.js';
import { createUrlGuard } from './url/url-guard.js';

/** A factory per guard kind; the mapped type fails to compile until every kind of the config union has one. */
type Factories = { readonly [K in GuardKind]: (entry: Extract<GuardEntryConfig, { type: K }>) => Guard };

/**
 * The one table of argument-guard kinds. Adding a kind: its config schema in the union of
 * src/config/guards-schema.ts, and one line here.
 */
const FACTORIES: Factories = {
  length: createLengthGuard,
  sql: createSqlGuard,
  path: createPathGuard,
  code: createCodeGuard,
  // `secrets: monitor` became mode: monitor when the config was parsed; the guard then redacts (not applied).
  content: (entry) => createContentGuard({ ...entry, secrets: entry.secrets === 'monitor' ? 'redact' : entry.secrets }),
  url: (entry) => createUrlGuard(entry),
};

/** Builds the guard a config entry describes. */
export function createGuard(entry: GuardEntryConfig): Guard {
  const factory = FACTORIES[entry.type] as (entry: GuardEntryConfig) => Guard;
  return factory(entry);
}
