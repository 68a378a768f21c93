import { DEFAULT_MAX_JSON_DEPTH, jsonDepthExceeds } from '../core/index.js';

/** The string field every item of a list must carry (it is what the item is routed by). */
export type ListKey = 'name' | 'uri' | 'uriTemplate';

/** A list accepted from an upstream, with each item's serialisation (kept for change detection). */
export interface CheckedList {
  readonly items: Record<string, unknown>[];
  /** One entry per item, in order: its JSON text. */
  readonly texts: string[];
}

/**
 * Checks one page of an upstream list when it is fetched, so nothing served from the aggregate can fail
 * later for every caller (a 20k-deep schema that makes `JSON.stringify` throw, a non-object item that a
 * route table would trip on). Returns the accepted items, or throws a `ListRefused` naming the first
 * problem. Serialising each item here costs what one `tools/list` answer costs, once per fetch.
 */
export function checkListPage(batch: unknown, key: ListKey, into: CheckedList, maxDepth = DEFAULT_MAX_JSON_DEPTH): void {
  if (!Array.isArray(batch)) throw new ListRefused(batch === undefined ? 'missing from the result' : `not an array (${typeof batch})`);
  for (const item of batch as unknown[]) {
    const at = `item ${into.items.length}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new ListRefused(`${at} is not an object`);
    const record = item as Record<string, unknown>;
    if (typeof record[key] !== 'string') throw new ListRefused(`${at} has no string "${key}"`);
    let text: string;
    try {
      text = JSON.stringify(record);
    } catch (err) {
      throw new ListRefused(`${at} cannot be serialised (${err instanceof Error ? err.message : String(err)})`);
    }
    // Anything this deep would overflow a recursive walk further on (schema compilers, header declarations).
    if (jsonDepthExceeds(text, maxDepth) > 0) throw new ListRefused(`${at} is nested deeper than ${maxDepth} levels`);
    into.items.push(record);
    into.texts.push(text);
  }
}

/** Why an upstream's list was refused; the aggregate keeps that upstream's previous good list. */
export class ListRefused extends Error {
  override name = 'ListRefused';
}
