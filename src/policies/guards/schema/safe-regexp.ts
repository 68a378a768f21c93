// Upstream schemas carry `pattern` regexes we did not write; V8's backtracking engine can take exponential
// time on some of them (ReDoS). Two bounds: patterns with nested or alternated repetition (`(a+)+`,
// `(a|aa)*`) or backreferences are refused when the schema compiles, and no pattern runs on a string longer
// than `maxInput` (such a string fails the pattern). What remains is polynomial in a bounded input.

/** Why a pattern is refused, or undefined when it is acceptable. */
export function unsafePattern(pattern: string): string | undefined {
  if (pattern.length > 4096) return 'pattern longer than 4096 characters';
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreference in pattern';
  // Walk groups: a quantified group whose body repeats or alternates is nested repetition.
  const stack: { quantifiedInside: boolean; alternation: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push({ quantifiedInside: false, alternation: false });
    else if (c === '|' && stack.length > 0) stack[stack.length - 1]!.alternation = true;
    else if (c === ')') {
      const group = stack.pop();
      if (!group) continue;
      const repeated = isRepeat(pattern, i + 1);
      if (repeated && (group.quantifiedInside || group.alternation)) return 'nested or alternated repetition in pattern';
      if ((repeated || group.quantifiedInside) && stack.length > 0) stack[stack.length - 1]!.quantifiedInside = true;
    } else if ((c === '*' || c === '+' || c === '{') && isRepeat(pattern, i) && stack.length > 0)
      stack[stack.length - 1]!.quantifiedInside = true;
  }
  return undefined;
}

/** True when the quantifier at `i` repeats unboundedly or more than once (`*`, `+`, `{2,}`, `{1,9}`). */
function isRepeat(pattern: string, i: number): boolean {
  const c = pattern[i];
  if (c === '*' || c === '+') return true;
  if (c !== '{') return false;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 24));
  if (!m) return false;
  if (m[2] === undefined) return Number(m[1]) > 1;
  return m[3] === '' || Number(m[3]) > 1;
}

/** The engine ajv calls for every `pattern`: refuses unsafe patterns, bounds the input length. */
export function boundedRegExpEngine(
  maxInput: number,
): ((pattern: string, flags: string) => { test(s: string): boolean }) & { code: string } {
  const engine = (pattern: string, flags: string): { test(s: string): boolean; toString(): string } => {
    const reason = unsafePattern(pattern);
    if (reason) throw new Error(reason);
    const re = new RegExp(pattern, flags);
    // ajv shares compiled patterns by toString(): it must be the pattern's own (not "[object Object]").
    return { test: (s: string) => s.length <= maxInput && re.test(s), toString: () => re.toString() };
  };
  // ajv's standalone code generation names the engine; we never generate standalone code.
  return Object.assign(engine, { code: 'boundedRegExp' });
}
