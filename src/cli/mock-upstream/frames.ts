// Serialised JSON-RPC frames, including the deliberately broken ones of `malformed:`.
import type { RequestId } from '../../protocol/index.js';
import type { MalformedVariant } from './script.js';

const idText = (id: RequestId | null): string => JSON.stringify(id);

/** A success response. */
export function resultFrame(id: RequestId, result: unknown): string {
  return `{"jsonrpc":"2.0","id":${idText(id)},"result":${JSON.stringify(result)}}`;
}

/** An error response. */
export function errorFrame(id: RequestId | null, code: number, message: string, data?: unknown): string {
  const error = data === undefined ? { code, message } : { code, message, data };
  return `{"jsonrpc":"2.0","id":${idText(id)},"error":${JSON.stringify(error)}}`;
}

/** A notification. */
export function notificationFrame(method: string, params?: Record<string, unknown>): string {
  return params === undefined
    ? `{"jsonrpc":"2.0","method":"${method}"}`
    : `{"jsonrpc":"2.0","method":"${method}","params":${JSON.stringify(params)}}`;
}

/** The id a stray `unknown-id` response carries: a string no client issues. */
export function strayId(id: RequestId): string {
  return `mock-unknown-${String(id)}`;
}

/**
 * The frames a `malformed:` tool sends for request `id` whose good answer is `good`: first the interim
 * frames, then the final one.
 *  - invalid-json: a truncated JSON text (no good answer follows);
 *  - wrong-version: the answer with `"jsonrpc":"1.0"`;
 *  - unknown-id: a response to an id never issued, then the good answer;
 *  - duplicate-response: the good answer twice.
 */
export function malformedFrames(variant: MalformedVariant, id: RequestId, result: unknown): { interim: string[]; final: string } {
  const good = resultFrame(id, result);
  switch (variant) {
    case 'invalid-json':
      return { interim: [], final: `{"jsonrpc":"2.0","id":${idText(id)},"result":{"content":[{"type":"text","text":"trunc` };
    case 'wrong-version':
      return { interim: [], final: `{"jsonrpc":"1.0","id":${idText(id)},"result":${JSON.stringify(result)}}` };
    case 'unknown-id':
      return { interim: [resultFrame(strayId(id), result)], final: good };
    case 'duplicate-response':
      return { interim: [good], final: good };
  }
}

/** A tool result whose text is exactly `bytes` ASCII characters; `extra` adds result fields (modern era). */
export function bigResultFrame(id: RequestId, bytes: number, extra?: Record<string, unknown>): string {
  const more = extra === undefined || Object.keys(extra).length === 0 ? '' : `,${JSON.stringify(extra).slice(1, -1)}`;
  // Built as one string so a 50 MB answer costs one allocation and no JSON.stringify of it.
  return `{"jsonrpc":"2.0","id":${idText(id)},"result":{"content":[{"type":"text","text":"${'x'.repeat(bytes)}"}]${more}}}`;
}
