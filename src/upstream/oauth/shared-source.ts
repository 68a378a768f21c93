import type { BearerSource, UpstreamAuthSpec } from './auth-spec.js';
import { TokenSource, type TokenSourceDeps } from './token-source.js';

// Keyed by the frozen `auth` object of one loaded config: replicas and per-caller connections of an
// upstream share one token; a reloaded config (new objects) starts afresh. Nothing to close (no timers).
const sources = new WeakMap<UpstreamAuthSpec, BearerSource>();

/** The one token source of an upstream's `auth` block (created on first use). */
export function sharedBearerSource(auth: UpstreamAuthSpec, deps: TokenSourceDeps): BearerSource {
  let source = sources.get(auth);
  if (source === undefined) {
    source = new TokenSource(auth, deps);
    sources.set(auth, source);
  }
  return source;
}
