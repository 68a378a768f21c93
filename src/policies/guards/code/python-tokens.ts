/** One Python token as the analyzer needs it: names (NFKC-normalised, as Python does), strings, operators. */
export type PyToken =
  | { readonly kind: 'name'; readonly text: string }
  | { readonly kind: 'string'; readonly text: string; readonly fstring: boolean }
  | { readonly kind: 'op'; readonly text: string }
  | { readonly kind: 'newline' };

/** Thrown for text no Python tokenizer accepts (an unterminated string). */
export class PyTokenError extends Error {}

const PREFIX = /^(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])$/;

/**
 * A tokenizer for Python 3 following the language reference's lexical rules where they matter for the
 * analysis: string literals of every form (prefixes, triple quotes, escapes, raw) so code inside strings is
 * never mistaken for calls; comments; line continuations; identifiers normalised with NFKC (Python treats
 * `ｅｖａｌ` as `eval`). The expressions inside f-string replacement fields are tokenized as code.
 * Logical lines end at newlines outside brackets (a `newline` token).
 */
export function tokenizePython(source: string, depth = 0): PyToken[] {
  if (depth > 8) throw new PyTokenError('f-strings nested too deeply');
  const tokens: PyToken[] = [];
  let i = 0;
  let brackets = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === '#') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c === '\\' && (source[i + 1] === '\n' || (source[i + 1] === '\r' && source[i + 2] === '\n'))) {
      i += source[i + 1] === '\n' ? 2 : 3;
      continue;
    }
    if (c === '\n' || c === '\r') {
      if (brackets === 0 && tokens.length > 0 && tokens[tokens.length - 1]!.kind !== 'newline') tokens.push({ kind: 'newline' });
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\f') {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      i = readString(source, i, '', tokens, depth);
      continue;
    }
    if (isNameStart(c)) {
      let j = i + 1;
      while (j < n && isNameChar(source[j]!)) j++;
      const word = source.slice(i, j);
      if ((source[j] === '"' || source[j] === "'") && PREFIX.test(word)) {
        i = readString(source, j, word.toLowerCase(), tokens, depth);
        continue;
      }
      tokens.push({ kind: 'name', text: word.normalize('NFKC') });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(source[j]!)) j++;
      i = j;
      continue;
    }
    if ('([{'.includes(c)) brackets++;
    if (')]}'.includes(c)) brackets = Math.max(0, brackets - 1);
    if (c === ';' && brackets === 0) tokens.push({ kind: 'newline' });
    else tokens.push({ kind: 'op', text: c });
    i++;
  }
  return tokens;
}

/** Reads one string literal starting at the quote `source[start]`; returns the index after it. */
function readString(source: string, start: number, prefix: string, out: PyToken[], depth: number): number {
  const quote = source[start]!;
  const triple = source.startsWith(quote.repeat(3), start);
  const close = triple ? quote.repeat(3) : quote;
  const raw = prefix.includes('r');
  let i = start + close.length;
  let text = '';
  while (true) {
    if (i >= source.length) throw new PyTokenError('unterminated string literal');
    const c = source[i]!;
    if (!triple && (c === '\n' || c === '\r')) throw new PyTokenError('unterminated string literal');
    if (c === '\\') {
      text += raw ? source.slice(i, i + 2) : (source[i + 1] ?? '');
      i += 2;
      continue;
    }
    if (source.startsWith(close, i)) break;
    text += c;
    i++;
  }
  const fstring = prefix.includes('f');
  out.push({ kind: 'string', text, fstring });
  if (fstring) for (const expr of replacementFields(text)) out.push(...tokenizePython(expr, depth + 1), { kind: 'newline' });
  return i + close.length;
}

/** The expressions of an f-string's `{…}` fields (`{{` is a literal brace); format specs are dropped. */
function replacementFields(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '{') {
      if (text[i + 1] === '{') {
        i += 2;
        continue;
      }
      let level = 1;
      let j = i + 1;
      while (j < text.length && level > 0) {
        if (text[j] === '{') level++;
        else if (text[j] === '}') level--;
        j++;
      }
      fields.push(text.slice(i + 1, j - 1).replace(/(?:![rsa])?(?::[^{}]*)?$/, ''));
      i = j;
    } else i++;
  }
  return fields;
}

function isNameStart(c: string): boolean {
  return /[A-Za-z_]/.test(c) || (c > '\x7f' && /[\p{L}\p{Nl}]/u.test(c));
}

function isNameChar(c: string): boolean {
  return /[A-Za-z0-9_]/.test(c) || (c > '\x7f' && /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]/u.test(c));
}
