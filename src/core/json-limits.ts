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
      // Skip the string: find the closing quote that is not escaped.
      for (i++; i < n; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > maxDepth) return depth;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return 0;
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
