/**
 * The one value scrubber (issue 9 item 5): known secret values (resolved `${secret:…}` and `${env:…}`
 * credentials, the audit key) and credential shapes (Breakwater API keys, bearer tokens, JWTs) are
 * replaced before text reaches a log line, an error on the wire, the audit or the admin API. Process-wide
 * on purpose: a value secret to one gateway in the process is never worth showing from another.
 */

const CENSOR = '[redacted]';
// Shorter values would match ordinary text (a 3-letter secret would censor every word holding it).
const MIN_SECRET_LENGTH = 6;
const SHAPES = [
  /\bbwk_[A-Za-z0-9_-]{8,}/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
];

const known = new Set<string>();
let knownPattern: RegExp | undefined;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Registers a value that must never be shown; values shorter than 6 characters are ignored. */
export function registerSecretValue(value: string): void {
  if (value.length < MIN_SECRET_LENGTH || known.has(value)) return;
  known.add(value);
  // Longest first, so a secret containing another is replaced whole.
  knownPattern = new RegExp(
    [...known]
      .sort((a, b) => b.length - a.length)
      .map(escape)
      .join('|'),
    'g',
  );
}

/** Text with every known secret value and credential shape replaced by `[redacted]`. */
export function scrubSecrets(text: string): string {
  let out = knownPattern ? text.replace(knownPattern, CENSOR) : text;
  for (const shape of SHAPES) {
    shape.lastIndex = 0;
    if (shape.test(out)) out = out.replace(shape, (_m, scheme?: unknown) => (typeof scheme === 'string' ? `${scheme} ${CENSOR}` : CENSOR));
  }
  return out;
}

/** A JSON-able value with secrets scrubbed from every string (a copy only when something matched). */
export function scrubSecretsDeep<T>(value: T): T {
  if (value === undefined || value === null) return value;
  const text = JSON.stringify(value);
  if (text === undefined) return value;
  const clean = scrubSecrets(text);
  return clean === text ? value : (JSON.parse(clean) as T);
}
