import { z } from 'zod';
import { codeGuardSchema, contentGuardSchema } from './code-content-guards-schema.js';
import { bool, glob, int, text } from './primitives.js';
import type { DeepReadonly } from './types.js';

// Guards (issue 10): what may pass through a tool. Written globally (`guards`: the schema-validation
// defaults) and per upstream (`upstreams.X.guards`: schema overrides, and per-tool lists of argument guards,
// each naming its arguments by JSON pointer). docs/guardrails.md is the guide; docs/adr/0016-guard-framework-and-placement.md the design.

/** enforce: a deny rejects the call; monitor: the decision is logged and published, the call goes on. */
export const guardMode = () => z.enum(['enforce', 'monitor']);

/**
 * An RFC 6901 JSON pointer into the call's `arguments` (`""` is the whole object); a `*` segment matches
 * every element of an array or property of an object (`/queries/*`).
 */
export const jsonPointer = () =>
  z.string().regex(/^(\/([^~/]|~[01])*)*$/, { error: 'expected a JSON pointer like "/sql" or "/items/*/url" ("" for all arguments)' });

/** The fields every argument guard has: which arguments, and whether a deny is enforced. */
const common = {
  args: z.array(jsonPointer()).min(1, { error: 'name at least one argument by JSON pointer, e.g. ["/sql"]' }).max(64),
  mode: guardMode().default('enforce'),
};

/** SQL read-only guard: a single read statement, checked on the real parser of the dialect. */
export const sqlGuardSchema = z.strictObject({
  type: z.literal('sql'),
  ...common,
  dialect: z.enum(['postgresql', 'mysql', 'sqlite']).default('postgresql'),
  maxLength: int(1, 10_000_000).default(100_000),
  // Functions allowed besides the built-in read-only allowlist (names, lower case, schema-less).
  allowFunctions: z.array(text()).default([]),
  // Functions denied even when on the allowlist.
  denyFunctions: z.array(text()).default([]),
  // Table globs (`public.*`, `orders`); when `allow` is set, every table read must match one.
  tables: z.strictObject({ allow: z.array(glob()).optional(), deny: z.array(glob()).default([]) }).prefault({}),
});

/** Path guard: the argument must name a file inside one of the roots, after decoding and symlinks. */
export const pathGuardSchema = z.strictObject({
  type: z.literal('path'),
  ...common,
  roots: z.array(text()).min(1, { error: 'list at least one root folder' }),
  // Lower-case extensions with the dot (".csv"); absent: any extension.
  extensions: z.array(z.string().regex(/^\.[^/\\]*$/, { error: 'expected an extension like ".csv"' })).optional(),
  // Percent-decode the value first (for tools that take URL-ish paths); off, a "%" is an ordinary character.
  decodePercent: bool().default(true),
  maxLength: int(1, 65_536).default(4096),
});

/** URL guard (SSRF): scheme and host rules, and the addresses the host resolves to. */
export const urlGuardSchema = z.strictObject({
  type: z.literal('url'),
  ...common,
  schemes: z
    .array(z.string().regex(/^[a-z][a-z0-9+.-]*$/, { error: 'expected a lower-case scheme like "https"' }))
    .default(['https', 'http']),
  hosts: z.strictObject({ allow: z.array(glob()).optional(), deny: z.array(glob()).default([]) }).prefault({}),
  // CIDRs allowed although private/loopback/… (e.g. "10.1.2.0/24" for an internal API).
  allowAddresses: z.array(text()).default([]),
  // Resolve the host name and check every address it resolves to (off: literal addresses only).
  resolve: bool().default(true),
  resolveTimeoutMs: int(1, 60_000).default(2_000),
  maxLength: int(1, 65_536).default(8192),
});

/** Per-argument size limits: longest string and largest array at the named arguments. */
export const lengthGuardSchema = z.strictObject({
  type: z.literal('length'),
  ...common,
  maxLength: int(0).optional(),
  maxItems: int(0).optional(),
});

/** Code and content guards (src/config/code-content-guards-schema.ts), built from the shared fields. */
const pointers = () => z.array(jsonPointer()).max(64);
const shared = { args: common.args, mode: guardMode(), pointers: pointers(), pointer: jsonPointer() };
export const codeGuardEntrySchema = codeGuardSchema(shared);
export const contentGuardEntrySchema = contentGuardSchema(shared);

/**
 * One argument guard. Adding a guard kind: its schema here (or in its own file) in this list, and its
 * factory in src/policies/guards/registry.ts (the mapped type there fails to compile until it is added).
 */
export const guardEntrySchema = z.discriminatedUnion(
  'type',
  [sqlGuardSchema, pathGuardSchema, urlGuardSchema, lengthGuardSchema, codeGuardEntrySchema, contentGuardEntrySchema],
  {
    error: 'expected a guard with type sql, path, url, length, code or content',
  },
);

/** Validation of arguments against the tool's own inputSchema (and, optionally, results against outputSchema). */
export const schemaGuardSchema = z.strictObject({
  enabled: bool().default(true),
  mode: guardMode().default('enforce'),
  // Check `structuredContent` against the tool's `outputSchema`.
  output: bool().default(false),
  // A hostile or broken upstream schema: bigger or deeper than this is not compiled.
  maxSchemaBytes: int(256, 16 * 1024 * 1024).default(256 * 1024),
  maxSchemaDepth: int(2, 1000).default(64),
  // A schema that cannot be compiled (too big, broken, unsafe pattern): pass calls unvalidated, or refuse them.
  onInvalidSchema: z.enum(['allow', 'deny']).default('allow'),
  // Longest string a `pattern` / `patternProperties` regex is run on (bounds regex time); longer fails.
  maxPatternInput: int(1, 10_000_000).default(10_000),
});

/** The global `guards` section (the defaults of every upstream). */
export const guardsDefaultsSchema = z.strictObject({
  schema: schemaGuardSchema.prefault({}),
});

/** An upstream's `guards`: schema-validation overrides and argument guards per tool glob (the upstream's own tool names). */
export const upstreamGuardsSchema = z.strictObject({
  schema: z
    .strictObject({
      enabled: bool().optional(),
      mode: guardMode().optional(),
      output: bool().optional(),
      maxSchemaBytes: int(256, 16 * 1024 * 1024).optional(),
      maxSchemaDepth: int(2, 1000).optional(),
      onInvalidSchema: z.enum(['allow', 'deny']).optional(),
      maxPatternInput: int(1, 10_000_000).optional(),
    })
    .prefault({}),
  tools: z.record(glob(), z.array(guardEntrySchema).max(64)).default({}),
});

/** One configured argument guard, as parsed. */
export type GuardEntryConfig = DeepReadonly<z.output<typeof guardEntrySchema>>;
/** The guard kinds an argument guard can be. */
export type GuardKind = GuardEntryConfig['type'];
/** Schema-validation settings, every field filled (global defaults merged with the upstream's overrides). */
export type SchemaGuardConfig = DeepReadonly<z.output<typeof schemaGuardSchema>>;
