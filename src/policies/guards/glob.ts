/** A case-insensitive matcher for `*` (any run) and `?` (one character) globs; nothing else is special. */
export function globsMatcher(globs: readonly string[]): (name: string) => boolean {
  if (globs.length === 0) return () => false;
  const source = globs
    .map((g) =>
      g
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.'),
    )
    .join('|');
  const re = new RegExp(`^(?:${source})$`, 'i');
  return (name) => re.test(name);
}
