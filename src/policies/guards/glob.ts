import { globMatcher } from '../../core/index.js';

/** A case-insensitive matcher for `*` (any run) and `?` (one character) globs; nothing else is special. */
export function globsMatcher(globs: readonly string[]): (name: string) => boolean {
  return globMatcher(globs, 'i');
}
