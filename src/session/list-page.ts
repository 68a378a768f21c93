import { errors } from '../errors/index.js';

// Cursors are opaque to callers (MCP pagination): a tag, so a cursor from another server or a hand-made
// string is refused, and the offset into the caller's visible list. Offsets, not item names: lists are
// small and change rarely; a list that shrank between pages ends early instead of failing.
const TAG = 'bw1:';

/** One page of an aggregated list, with `nextCursor` when more follow; `pageSize` 0 means one page. */
export function listPage<T>(items: readonly T[], cursor: unknown, pageSize: number): { items: readonly T[]; nextCursor?: string } {
  const offset = cursor === undefined ? 0 : decodeCursor(cursor);
  if (pageSize <= 0) return { items: offset === 0 ? items : items.slice(offset) };
  const end = offset + pageSize;
  const page = offset === 0 && end >= items.length ? items : items.slice(offset, end);
  return end < items.length ? { items: page, nextCursor: encodeCursor(end) } : { items: page };
}

function encodeCursor(offset: number): string {
  return Buffer.from(TAG + offset.toString(36)).toString('base64url');
}

function decodeCursor(cursor: unknown): number {
  if (typeof cursor === 'string' && cursor.length <= 64) {
    const text = Buffer.from(cursor, 'base64url').toString();
    const digits = text.startsWith(TAG) ? text.slice(TAG.length) : '';
    if (/^[0-9a-z]{1,10}$/.test(digits)) return parseInt(digits, 36);
  }
  throw errors.invalidParams('params.cursor: not a cursor this gateway issued; start again without a cursor', {
    field: 'params.cursor',
  });
}
