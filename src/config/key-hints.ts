import type { PathSegment } from './config-error.js';
import { resolvedPolicyScopeSchema } from './policy-schema.js';
import { upstreamSchema } from './upstream-schema.js';

// Where a key that is unknown at one place belongs instead. "Unknown key" is true but unhelpful when the
// key exists one level away: `timeoutMs` on an upstream is a policy, a top-level `toolPolicies` belongs
// to an upstream, `command` at the root describes an upstream, and `mcpServers` beside native keys mixes
// the two file shapes. Key lists come from the schemas, so a new key gets its hint for free.

const POLICY_KEYS: ReadonlySet<string> = new Set(Object.keys(resolvedPolicyScopeSchema.shape));
const UPSTREAM_KEYS: ReadonlySet<string> = new Set(Object.keys(upstreamSchema.in.shape));
const FOREIGN_ROOTS: ReadonlySet<string> = new Set(['mcpServers', 'servers']);
/** Upstream keys that an `mcpServers` entry has too (under the same name); the rest are Breakwater's own. */
const SHARED_ENTRY_KEYS: ReadonlySet<string> = new Set(['command', 'args', 'env', 'cwd', 'url', 'headers']);

const TWO_SHAPES =
  'a config file has one of two shapes: a Breakwater config (server, upstreams, defaults, …) or an mcpServers file ' +
  'as Claude Desktop, Cursor and VS Code write it (only mcpServers / servers); ';

/**
 * A sentence saying where the unknown `key` under `parent` belongs, or undefined when it is simply
 * unknown (the caller then offers a did-you-mean).
 */
export function misplacedKeyHint(parent: readonly PathSegment[], key: string): string | undefined {
  const [first, name, third] = parent;
  if (parent.length === 0) {
    if (key === 'toolPolicies') return 'toolPolicies belong to one upstream: upstreams.<name>.toolPolicies (tool-name glob → policies)';
    if (key === 'policies')
      return 'policies for every upstream go under defaults (e.g. defaults.timeoutMs); one upstream’s under upstreams.<name>.policies';
    if (POLICY_KEYS.has(key))
      return `"${key}" is a policy: for every upstream write defaults.${key}; for one, upstreams.<name>.policies.${key}`;
    if (FOREIGN_ROOTS.has(key))
      return `${TWO_SHAPES}this one mixes them. Move each server under upstreams.<name> (same command/args/env/url), or keep only ${key}`;
    if (UPSTREAM_KEYS.has(key)) return `"${key}" describes an upstream: write it under upstreams.<name>.${key}`;
    return undefined;
  }
  if (first === 'upstreams' && typeof name === 'string' && parent.length === 2) {
    if (POLICY_KEYS.has(key)) return `"${key}" is a policy: it belongs in upstreams.${name}.policies.${key}`;
    return undefined;
  }
  if (first === 'upstreams' && typeof name === 'string' && third === 'policies' && parent.length === 3 && UPSTREAM_KEYS.has(key))
    return `"${key}" is a setting of the upstream itself: it belongs in upstreams.${name}.${key}, not under policies`;
  if (typeof first === 'string' && FOREIGN_ROOTS.has(first) && typeof name === 'string' && parent.length === 2) {
    if (UPSTREAM_KEYS.has(key) && !SHARED_ENTRY_KEYS.has(key))
      return (
        `"${key}" is a Breakwater setting, not part of the ${first} format; ${TWO_SHAPES}` +
        `to use it, write a Breakwater config with the server under upstreams.${name} (breakwater init converts this file)`
      );
    if (POLICY_KEYS.has(key)) return `"${key}" is a Breakwater policy: in a Breakwater config it is upstreams.${name}.policies.${key}`;
  }
  return undefined;
}

/** Matches a duration written with a unit ("30s", "5 m", "250ms", "1.5h"). */
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)\s*$/i;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** For a key ending in `Ms` given a wrong value: the hint that durations are milliseconds (with the conversion when the value had a unit). */
export function durationHint(path: readonly PathSegment[], input: unknown): string | undefined {
  const key = path[path.length - 1];
  if (typeof key !== 'string' || !key.endsWith('Ms')) return undefined;
  const m = typeof input === 'string' ? DURATION.exec(input) : null;
  if (m) {
    const value = Math.round(Number(m[1]) * (UNIT_MS[m[2]!.toLowerCase()] ?? 1));
    return `durations are whole milliseconds: write ${key}: ${value}`;
  }
  return 'durations are whole milliseconds: 30000 is 30 s';
}
