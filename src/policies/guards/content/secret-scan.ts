import { DETECTORS, SECRET_KINDS, type SecretKind } from './secret-detectors.js';

/** One detection: its kind and where it is in the text. */
export interface SecretMatch {
  readonly kind: SecretKind;
  readonly start: number;
  readonly end: number;
}

/** Every detection of the given kinds in `text`, non-overlapping (the first kind in SECRET_KINDS order wins). */
export function scanSecrets(text: string, kinds: ReadonlySet<SecretKind>): SecretMatch[] {
  const found: SecretMatch[] = [];
  for (const kind of SECRET_KINDS) {
    if (!kinds.has(kind)) continue;
    const { pattern, valid } = DETECTORS[kind];
    pattern.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = pattern.exec(text)) !== null) {
      const start = m.index;
      const end = start + m[0].length;
      // A candidate that fails validation must not swallow a real one that starts inside it.
      if (m[0].length === 0 || (valid && !valid(m[0]))) {
        pattern.lastIndex = start + 1;
        continue;
      }
      if (found.some((f) => start < f.end && end > f.start)) continue;
      found.push({ kind, start, end });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** The text with each detection replaced by `[REDACTED:kind]`. */
export function redactSecrets(text: string, matches: readonly SecretMatch[]): string {
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += `${text.slice(at, m.start)}[REDACTED:${m.kind}]`;
    at = m.end;
  }
  return out + text.slice(at);
}
