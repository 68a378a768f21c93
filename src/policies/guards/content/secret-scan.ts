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
    const { hint, pattern, valid } = DETECTORS[kind];
    if (typeof hint === 'string' ? !text.includes(hint) : !hint.test(text)) continue;
    pattern.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = pattern.exec(text)) !== null) {
      const start = m.index;
      let end = start + m[0].length;
      if (m[0].length > 0 && valid && !valid(m[0])) end = kind === 'card-number' ? shorterCard(text, start, end) : -1;
      // A candidate that fails validation, or overlaps an earlier detection, must not swallow a real one
      // that starts inside it: the search goes on from the next character.
      if (end <= start || found.some((f) => start < f.end && end > f.start)) {
        pattern.lastIndex = start + 1;
        continue;
      }
      found.push({ kind, start, end });
      pattern.lastIndex = end;
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

const CARD_SHAPE = /^(?:\d[ -]?){12,18}\d$/;

/**
 * The greedy card pattern can run one number into the next ("3782 8224 6310 005 4111 …"): the longest
 * shorter run from the same start that is a valid card number and ends before a non-digit, or -1.
 */
function shorterCard(text: string, start: number, end: number): number {
  for (let e = end - 1; e > start + 12; e--) {
    if (!/\d/.test(text[e - 1] ?? '') || /[\d-]/.test(text[e] ?? '')) continue;
    const candidate = text.slice(start, e);
    if (CARD_SHAPE.test(candidate) && DETECTORS['card-number'].valid!(candidate)) return e;
  }
  return -1;
}
