/** A segment of a path into the config document: a key or a list index. */
export type PathSegment = string | number;

/** One thing wrong with a config file, located as precisely as the file allows. */
export interface ConfigProblem {
  readonly file: string;
  /** Dotted path into the document, e.g. `upstreams.fs.command` (`""` for syntax errors). */
  readonly path: string;
  readonly message: string;
  /** 1-based position of the offending key or value, when known. */
  readonly line?: number;
  readonly column?: number;
  /** Syntax errors: the offending lines with a caret, and a hint when the mistake is a common one. */
  readonly frame?: string;
  readonly hint?: string;
}

/** `read`: the file could not be read; `parse`: not valid YAML/JSON; `invalid`: parsed but wrong. */
export type ConfigErrorKind = 'read' | 'parse' | 'invalid';

/** Renders a path as users write it: `upstreams.fs.args[0]`, `toolPolicies["read.*"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/**
 * One line per problem: `FILE: path: message (line L:C)`, or `FILE:L:C: message` for syntax errors, then
 * (syntax errors) the code frame and a `hint:` line when there is one.
 */
export function formatProblem(problem: ConfigProblem): string {
  const at = problem.line === undefined ? '' : `${problem.line}:${problem.column ?? 1}`;
  if (problem.path === '') {
    const head = at ? `${problem.file}:${at}: ${problem.message}` : `${problem.file}: ${problem.message}`;
    return [head, problem.frame, problem.hint && `  hint: ${problem.hint}`].filter(Boolean).join('\n');
  }
  return `${problem.file}: ${problem.path}: ${problem.message}${at ? ` (line ${at})` : ''}`;
}

/** Every problem found in a config file, thrown at once; `message` lists them one per line. */
export class ConfigError extends Error {
  readonly kind: ConfigErrorKind;
  readonly problems: readonly ConfigProblem[];

  constructor(kind: ConfigErrorKind, problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.kind = kind;
    this.problems = Object.freeze([...problems]);
  }
}
