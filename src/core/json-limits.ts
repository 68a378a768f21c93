/**
 * Structural limits on JSON text, checked once where JSON enters the gateway (caller bodies, upstream
 * messages) so nothing nested deep enough to overflow a recursive walk (JSON.stringify, schema
 * compilers, our own walkers) ever reaches the rest of the code. See docs/adr/0001-json-limits-at-entry.md.
 */

/** Default most nesting levels of arrays and objects in one message. */
export const DEFAULT_MAX_JSON_DEPTH = 128;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * The nesting depth at which `text` first exceeds `maxDepth`, or 0 when it never does. A linear scan
 * over the text (strings skipped) that builds nothing; texts too short to nest that deep return at once,
 * so ordinary small messages pay one length comparison.
 */
export function jsonDepthExceeds(text: string, maxDepth: number): number {
  if (text.length <= maxDepth * 2) return 0;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i === -1) return 0; // unterminated: JSON.parse reports it
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > maxDepth) return depth;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return 0;
}

/** Characters of a string scanned one by one before jumping from quote to quote with indexOf. */
const SHORT_STRING = 32;

/**
 * The index of the quote closing the string that opens at `open`, or -1. Short strings (keys, most
 * values) are walked; long ones (a file, a page) jump between quotes, ~100× faster on a 64 KB text.
 */
function stringEnd(text: string, open: number): number {
  const stop = Math.min(text.length, open + 1 + SHORT_STRING);
  let i = open + 1;
  for (; i < stop; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  // Resume at the last character not yet known to be string content (an escape may straddle `stop`).
  i--;
  for (;;) {
    i = text.indexOf('"', i + 1);
    if (i === -1) return -1;
    let k = i - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if (((i - 1 - k) & 1) === 0) return i; // preceded by an even number of backslashes: not escaped
  }
}

/** Why a JSON text was refused by `parseJsonWithin`. */
export class JsonLimitError extends Error {
  constructor(
    message: string,
    readonly limit: 'maxJsonDepth' | 'syntax',
  ) {
    super(message);
    this.name = 'JsonLimitError';
  }
}

/** JSON.parse after the depth check; throws JsonLimitError (limit 'syntax' for invalid JSON). */
export function parseJsonWithin(text: string, maxDepth: number): unknown {
  if (jsonDepthExceeds(text, maxDepth) > 0) throw new JsonLimitError(`nested deeper than ${maxDepth} levels`, 'maxJsonDepth');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new JsonLimitError(err instanceof Error ? err.message : 'invalid JSON', 'syntax');
  }
}
