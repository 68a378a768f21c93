/**
 * One matcher for simple globs: `*` is any run of characters, `?` exactly one, everything else literal.
 * `flags` are RegExp flags (`i`: case-insensitive, `s`: `*` also spans newlines). An empty list matches nothing.
 */
export function globMatcher(patterns: readonly string[], flags = ''): (name: string) => boolean {
  if (patterns.length === 0) return () => false;
  const source = patterns
    .map((p) =>
      p
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.'),
    )
    .join('|');
  const re = new RegExp(`^(?:${source})$`, flags);
  return (name) => re.test(name);
}
