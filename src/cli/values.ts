import type { OptionKind, OptionSpec } from './command.js';

/** Why `value` does not fit the option, or undefined when it does. */
export function checkValue(flag: string, spec: OptionSpec, value: string): string | undefined {
  if (spec.optionalValue === true && value === '') return undefined;
  if (spec.choices !== undefined && !spec.choices.includes(value))
    return `${flag} must be one of ${spec.choices.join(', ')} (got ${JSON.stringify(value)})`;
  return spec.kind === undefined ? undefined : checkKind(flag, spec.kind, value);
}

function checkKind(flag: string, kind: OptionKind, value: string): string | undefined {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (kind === 'port')
    return n >= 0 && n <= 65535 ? undefined : `${flag} must be a port number 0-65535, 0 = any free port (got ${JSON.stringify(value)})`;
  if (kind === 'count')
    return n >= 0 && Number.isSafeInteger(n) ? undefined : `${flag} must be a whole number (got ${JSON.stringify(value)})`;
  return n > 0 && Number.isSafeInteger(n)
    ? undefined
    : `${flag} must be a duration in milliseconds, e.g. 5000 (got ${JSON.stringify(value)})`;
}

/** The closest of `candidates` to `word` (edit distance ≤ 2 or a prefix), for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(word) || word.startsWith(c) ? 1 : distance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
