import { META } from '../protocol/index.js';

// `server/discover` too: the 2026-07-28 schema makes ttlMs/cacheScope required on DiscoverResult.
const CACHEABLE = new Set([
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'server/discover',
]);
const EXTENDED = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** Cache hints the gateway sets on list/read results when the upstream gave none. */
export interface CacheHintDefaults {
  readonly ttlMs: number;
  readonly cacheScope: 'public' | 'private';
}

/**
 * Stamps what the 2026-07-28 era requires on a result: `resultType` (an upstream's own value, such as
 * `input_required`, passes untouched), `ttlMs`/`cacheScope` on list and read results, and the server's
 * identity in `_meta`.
 */
export function decorateModernResult(
  method: string,
  result: Record<string, unknown>,
  serverInfo: Record<string, unknown>,
  hints: CacheHintDefaults,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...result };
  if (out.resultType === undefined || (out.resultType !== 'complete' && !EXTENDED.has(method))) out.resultType = 'complete';
  if (out.resultType === 'complete' && CACHEABLE.has(method)) {
    if (!(Number.isInteger(out.ttlMs) && (out.ttlMs as number) >= 0)) out.ttlMs = hints.ttlMs;
    if (out.cacheScope !== 'public' && out.cacheScope !== 'private') out.cacheScope = hints.cacheScope;
  }
  const meta = out._meta;
  if (meta === undefined) out._meta = { [META.serverInfo]: serverInfo };
  else if (typeof meta === 'object' && meta !== null && !Array.isArray(meta) && !(META.serverInfo in meta))
    out._meta = { ...meta, [META.serverInfo]: serverInfo };
  return out;
}
