import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { PathSegment } from './config-error.js';
import { didYouMean } from './did-you-mean.js';
import type { Env } from './interpolate.js';

// Every config key can be set from the environment (ARCHITECTURE §4.2): BREAKWATER_SERVER__PORT=9000,
// BREAKWATER_UPSTREAMS__FS__POLICIES__TIMEOUTMS=5000. `__` nests; each segment matches the schema's real key
// case-insensitively (env names are upper case, keys camelCase). Applied after the file and before
// validation, so an override is validated exactly like the file and its problems name the variable.

/** The prefix of every override variable. */
export const ENV_PREFIX = 'BREAKWATER_';

/** Variables under the prefix that the CLI reads itself (never config keys). */
export const CLI_VARIABLES: ReadonlySet<string> = new Set([
  'BREAKWATER_ADMIN_TOKEN',
  'BREAKWATER_DEBUG',
  'BREAKWATER_MASTER_KEY',
  'BREAKWATER_TEST',
]);

/** One variable applied to the document. */
export interface EnvOverride {
  readonly variable: string;
  readonly path: readonly PathSegment[];
}

/** The document with every override applied, what was applied, and the variables that match no key. */
export interface EnvOverrideResult {
  readonly value: unknown;
  readonly applied: readonly EnvOverride[];
  readonly problems: readonly { readonly variable: string; readonly message: string }[];
}

type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: readonly z.ZodType[];
  valueType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  getter?: () => z.ZodType;
};

function unwrap(schema: z.ZodType): z.ZodType {
  for (let s = schema, i = 0; i < 32; i++) {
    const def = s.def as unknown as Def;
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : def.type === 'lazy' ? def.getter?.() : undefined);
    if (!next) return s;
    s = next;
  }
  return schema;
}

type Step = { key: PathSegment; schema: z.ZodType } | { candidates: string[] };

/** Finds `segment` under `schema`: an object key (case-insensitive), a record key (existing or new), a list index. */
function step(schema: z.ZodType, segment: string, existing: unknown): Step {
  const def = unwrap(schema).def as unknown as Def;
  if (def.type === 'object' && def.shape) {
    const keys = Object.keys(def.shape);
    const key = keys.find((k) => k.toLowerCase() === segment.toLowerCase());
    return key ? { key, schema: def.shape[key] as z.ZodType } : { candidates: keys };
  }
  if (def.type === 'record' && def.valueType) {
    const have = existing && typeof existing === 'object' ? Object.keys(existing) : [];
    const key = have.find((k) => k.toLowerCase() === segment.toLowerCase()) ?? segment.toLowerCase();
    return { key, schema: def.valueType };
  }
  if (def.type === 'array' && def.element && /^\d+$/.test(segment)) return { key: Number(segment), schema: def.element };
  if ((def.type === 'union' || def.type === 'discriminatedUnion') && def.options) {
    const candidates: string[] = [];
    for (const option of def.options) {
      const found = step(option, segment, existing);
      if ('key' in found) return found;
      candidates.push(...found.candidates);
    }
    return { candidates };
  }
  return { candidates: [] };
}

/** A variable's text as a value: YAML scalars and flow collections (so 9000, true, [a, b], {"k": 1}). */
function parseValue(text: string, leaf: z.ZodType): unknown {
  const type = (unwrap(leaf).def as unknown as Def).type;
  // A string-only key keeps the text as written ("0123" stays a string, not the number 123).
  if (type === 'string' || type === 'enum') return text;
  if (text === '') return '';
  return parseYaml(text) as unknown;
}

function setAt(root: Record<string, unknown>, path: readonly PathSegment[], value: unknown): Record<string, unknown> {
  let node: Record<string | number, unknown> = root;
  for (const [i, seg] of path.entries()) {
    if (i === path.length - 1) node[seg] = value;
    else {
      const child = node[seg];
      const isIndex = typeof path[i + 1] === 'number';
      if (child === null || typeof child !== 'object') node[seg] = isIndex ? [] : {};
      else node[seg] = Array.isArray(child) ? [...(child as unknown[])] : { ...(child as object) };
      node = node[seg] as Record<string | number, unknown>;
    }
  }
  return root;
}

/**
 * Applies every `BREAKWATER_*` variable to `document` (copied, never mutated) along `schema`. Variables the
 * CLI reads and those the file names in `${env:…}` are not config keys; any other that matches no key is a
 * problem with a did-you-mean.
 */
export function applyEnvOverrides(
  document: unknown,
  schema: z.ZodType,
  env: Env,
  referenced: ReadonlySet<string> = new Set(),
): EnvOverrideResult {
  const applied: EnvOverride[] = [];
  const problems: { variable: string; message: string }[] = [];
  // A document that is not an object has its own problem; overrides have nothing to apply to.
  if (!document || typeof document !== 'object' || Array.isArray(document)) return { value: document, applied, problems };
  let value = { ...(document as Record<string, unknown>) };
  const names = Object.keys(env)
    .filter((n) => n.startsWith(ENV_PREFIX) && !CLI_VARIABLES.has(n) && !referenced.has(n))
    .sort();
  for (const variable of names) {
    const text = env[variable];
    if (text === undefined) continue;
    const segments = variable.slice(ENV_PREFIX.length).split('__');
    let at: z.ZodType = schema;
    let node: unknown = value;
    const path: PathSegment[] = [];
    let failed: string | undefined;
    for (const segment of segments) {
      const found = segment === '' ? { candidates: [] } : step(at, segment, node);
      if (!('key' in found)) {
        const hint = didYouMean(segment, found.candidates);
        const where = path.length === 0 ? 'the configuration' : path.join('.');
        failed = `matches no config key: "${segment}" is not a key of ${where}${hint ? ` (did you mean ${hint}?)` : ''}`;
        break;
      }
      path.push(found.key);
      at = found.schema;
      node = node && typeof node === 'object' ? (node as Record<string | number, unknown>)[found.key] : undefined;
    }
    if (failed !== undefined) {
      problems.push({ variable, message: failed });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = parseValue(text, at);
    } catch (err) {
      problems.push({ variable, message: `is not a valid value: ${(err as Error).message.split('\n')[0] ?? ''}` });
      continue;
    }
    value = setAt(value, path, parsed);
    applied.push({ variable, path });
  }
  return { value, applied, problems };
}

/** The override that set `path` or one of its parents (the longest match), if any. */
export function overrideFor(applied: readonly EnvOverride[], path: readonly PathSegment[]): EnvOverride | undefined {
  let best: EnvOverride | undefined;
  for (const o of applied)
    if (o.path.length <= path.length && o.path.every((seg, i) => String(seg) === String(path[i])))
      if (!best || o.path.length > best.path.length) best = o;
  return best;
}

/** Names of the variables the document refers to with `${env:NAME}` (they are inputs, not overrides). */
export function referencedVariables(document: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)/g)) out.add(m[1] as string);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(document);
  return out;
}
