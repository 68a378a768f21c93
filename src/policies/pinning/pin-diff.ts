import type { PinRecord } from './pin-store.js';

/** Beyond this many lines per side the diff shows both texts whole rather than an LCS (bounded cost). */
const MAX_LINES = 2000;

/**
 * A unified-style line diff between a pin's approved and pending definitions, pretty-printed (`-` approved,
 * `+` pending, two-space context for unchanged lines). Empty when nothing is pending.
 */
export function pinDiff(pin: PinRecord): string[] {
  if (pin.pendingText === null) return [];
  const before = pin.approvedText === null ? [] : pretty(pin.approvedText);
  const after = pretty(pin.pendingText);
  if (before.length > MAX_LINES || after.length > MAX_LINES) return [...before.map((l) => `- ${l}`), ...after.map((l) => `+ ${l}`)];
  return lineDiff(before, after);
}

function pretty(text: string): string[] {
  try {
    return JSON.stringify(JSON.parse(text), null, 2).split('\n');
  } catch {
    return text.split('\n');
  }
}

/** Longest-common-subsequence line diff. */
function lineDiff(a: readonly string[], b: readonly string[]): string[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  while (i < n) out.push(`- ${a[i++]}`);
  while (j < m) out.push(`+ ${b[j++]}`);
  return out;
}
