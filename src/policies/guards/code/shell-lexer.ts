/** A shell word with what the lexer saw inside it; `quoted` words never expand globs or split. */
export interface ShellWord {
  readonly kind: 'word';
  /** The word with quotes removed (expansions left as written). */
  readonly text: string;
  /** True when some part of it was unquoted (so `*`, `~` could expand). */
  readonly unquotedParts: boolean;
  /** Command substitutions inside it (`$(…)`, backticks, `<(…)`), as source text, analysed recursively. */
  readonly substitutions: readonly string[];
  /** True when it holds a parameter or arithmetic expansion (`$x`, `${x}`, `$((…))`). */
  readonly expands: boolean;
}

/** A control or redirection operator. */
export interface ShellOp {
  readonly kind: 'op';
  readonly text: string;
}

export type ShellToken = ShellWord | ShellOp;

/** Thrown for text a POSIX shell would reject as incomplete (unterminated quote or substitution). */
export class ShellSyntaxError extends Error {}

/** Characters that end an unquoted word: blanks and the first characters of every operator. */
const WORD_BREAK = ' \t\n\r;&|()<>';
const OPERATORS = ['&&', '||', ';;', '<<-', '<<<', '<<', '>>', '>&', '<&', '>|', '<>', '&>', '|&', ';', '&', '|', '<', '>', '(', ')', '\n'];

/**
 * A lexer for POSIX sh / bash command text following the shell's quoting rules: single quotes (literal),
 * double quotes (expansions active), backslash escapes, `$(…)` and backticks (nested, collected for
 * recursive analysis), `${…}`, `$((…))`, process substitution, comments, and the control and redirection
 * operators. It is not a full grammar (no here-document bodies, no keywords), but it never mistakes a
 * quoted character for an operator, which is what a regex over the text gets wrong.
 */
export function lexShell(source: string): ShellToken[] {
  const tokens: ShellToken[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\\' && source[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '#') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c === '<' || c === '>') {
      if (source[i + 1] === '(') {
        const end = matchParen(source, i + 1);
        tokens.push({
          kind: 'word',
          text: source.slice(i, end),
          unquotedParts: true,
          substitutions: [source.slice(i + 2, end - 1)],
          expands: false,
        });
        i = end;
        continue;
      }
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op !== undefined) {
      tokens.push({ kind: 'op', text: op });
      i += op.length;
      continue;
    }
    const word = readWord(source, i);
    tokens.push(word.token);
    i = word.end;
  }
  return tokens;
}

function readWord(source: string, start: number): { token: ShellWord; end: number } {
  let i = start;
  let text = '';
  let unquoted = false;
  let expands = false;
  const subs: string[] = [];
  const n = source.length;
  const dollar = (): boolean => {
    const next = source[i + 1];
    if (next === '(' && source[i + 2] === '(') {
      const end = matchParen(source, i + 1);
      text += source.slice(i, end);
      expands = true;
      i = end;
      return true;
    }
    if (next === '(') {
      const end = matchParen(source, i + 1);
      subs.push(source.slice(i + 2, end - 1));
      text += source.slice(i, end);
      i = end;
      return true;
    }
    if (next === '{') {
      const end = source.indexOf('}', i + 2);
      if (end < 0) throw new ShellSyntaxError('unterminated ${…}');
      const inner = source.slice(i + 2, end);
      // ${x:-$(cmd)} and friends hide substitutions inside parameter expansions.
      if (inner.includes('$(') || inner.includes('`')) subs.push(inner.replace(/^[^$`]*/, ''));
      text += source.slice(i, end + 1);
      expands = true;
      i = end + 1;
      return true;
    }
    if (next !== undefined && /[A-Za-z_0-9@*#?$!-]/.test(next)) {
      expands = true;
      text += '$';
      i++;
      return true;
    }
    return false;
  };
  while (i < n) {
    const c = source[i]!;
    if (WORD_BREAK.includes(c)) break;
    if (c === "'") {
      const end = source.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError('unterminated single quote');
      text += source.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (true) {
        if (i >= n) throw new ShellSyntaxError('unterminated double quote');
        const d = source[i]!;
        if (d === '"') break;
        if (d === '\\') {
          text += source[i + 1] ?? '';
          i += 2;
          continue;
        }
        if (d === '`') {
          const end = source.indexOf('`', i + 1);
          if (end < 0) throw new ShellSyntaxError('unterminated backquote');
          subs.push(source.slice(i + 1, end));
          text += source.slice(i, end + 1);
          i = end + 1;
          continue;
        }
        if (d === '$' && dollar()) continue;
        text += d;
        i++;
      }
      i++;
      continue;
    }
    if (c === '\\') {
      text += source[i + 1] ?? '';
      i += 2;
      continue;
    }
    if (c === '`') {
      const end = source.indexOf('`', i + 1);
      if (end < 0) throw new ShellSyntaxError('unterminated backquote');
      subs.push(source.slice(i + 1, end));
      text += source.slice(i, end + 1);
      i = end + 1;
      unquoted = true;
      continue;
    }
    if (c === '$' && dollar()) {
      unquoted = true;
      continue;
    }
    text += c;
    unquoted = true;
    i++;
  }
  return { token: { kind: 'word', text, unquotedParts: unquoted, substitutions: subs, expands }, end: i };
}

/** The index after the `)` matching the `(` at `open`, skipping quotes; throws when unbalanced. */
function matchParen(source: string, open: number): number {
  let level = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === "'") {
      const end = source.indexOf("'", i + 1);
      if (end < 0) break;
      i = end;
      continue;
    }
    if (c === '(') level++;
    else if (c === ')' && --level === 0) return i + 1;
  }
  throw new ShellSyntaxError('unterminated $(…) or (…)');
}
