import { createHash } from 'node:crypto';

const INVALID = /[^A-Za-z0-9_.-]/g;
const INVALID_TEST = /[^A-Za-z0-9_.-]/;
const MAX = 128;

/** How an upstream's names are exposed: `prefix + separator + name`, or the bare name for an empty prefix. */
export interface Namespace {
  readonly prefix: string;
  readonly separator: string;
}

const shortHash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 6);

/**
 * The client-visible name for an upstream name, within the spec's rules (1–128 chars of [A-Za-z0-9_.-]).
 * Invalid characters become `_`; an over-long name keeps its head and gains a hash of the full name, so
 * two long names never collapse into one.
 */
export function exposeName(ns: Namespace, name: string): string {
  const joined = ns.prefix ? `${ns.prefix}${ns.separator}${name}` : name;
  if (joined.length <= MAX && !INVALID_TEST.test(joined) && joined.length > 0) return joined;
  const suffix = `-${shortHash(joined)}`;
  return joined.replace(INVALID, '_').slice(0, MAX - suffix.length) + suffix;
}

/** Disambiguates a name already taken by another upstream: appends a hash of `upstream/name`. */
export function disambiguate(exposed: string, upstream: string, name: string): string {
  const suffix = `-${shortHash(`${upstream}/${name}`)}`;
  return exposed.slice(0, MAX - suffix.length) + suffix;
}

/** Compiles simple `*` / `?` globs (allow/deny filters) into one matcher. */
export { globMatcher } from '../core/index.js';
