import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';

const require = createRequire(import.meta.url);

/**
 * undici's `Pool`, without loading the rest of undici. The package index also builds fetch, WebSocket,
 * cookies and the mock agent — ~40 ms of a ~400 ms cold start — and the gateway needs `Pool.request`
 * only. The deep paths belong to the pinned undici version; if they ever move, this falls back to the
 * full package, so the cost of a layout change is start-up time, never a failure.
 */
function loadPool(): typeof UndiciPool {
  try {
    const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
    const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
    // The same mix-in undici's own index performs (idempotent): request(), stream(), pipeline()...
    Object.assign(Dispatcher.prototype, require('undici/lib/api/index.js') as object);
    if (typeof (Pool.prototype as { request?: unknown }).request === 'function') return Pool;
  } catch {
    // fall through to the full package
  }
  return (require('undici') as { Pool: typeof UndiciPool }).Pool;
}

/** The undici connection pool class. */
export const Pool: typeof UndiciPool = loadPool();
/** An undici connection pool instance. */
export type Pool = UndiciPool;
