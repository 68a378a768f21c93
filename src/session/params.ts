import type { Params } from '../protocol/index.js';

const ENVELOPE_PREFIX = 'io.modelcontextprotocol/';

/**
 * Params as the upstream should see them: the caller's progress token comes out (the upstream
 * connection assigns its own and the gateway maps it back), and so do the modern envelope keys (each
 * upstream connection sends its own). Everything else in `_meta` — trace context, custom keys — stays.
 * A `task` (task augmentation) comes out too: the gateway declares no tasks capability, and the spec
 * has a receiver without it run the request normally, ignoring the task; forwarded, it could make an
 * upstream create a task whose `tasks/*` follow-ups the gateway cannot route.
 */
export function forwardParams(params: Params): { params: Params; progressToken: string | number | undefined } {
  if ('task' in params) {
    const { task: _ignored, ...rest } = params;
    params = rest;
  }
  const meta = params._meta;
  if (meta === undefined || typeof meta !== 'object' || meta === null) return { params, progressToken: undefined };
  const { progressToken, ...rest } = meta as Record<string, unknown>;
  let kept: Record<string, unknown> | undefined;
  for (const key of Object.keys(rest)) {
    if (key.startsWith(ENVELOPE_PREFIX)) continue;
    (kept ??= {})[key] = rest[key];
  }
  const { _meta: _drop, ...others } = params;
  const token = typeof progressToken === 'string' || typeof progressToken === 'number' ? progressToken : undefined;
  return { params: kept ? { ...others, _meta: kept } : others, progressToken: token };
}
