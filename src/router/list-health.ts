import { clip, LogThrottle, type Clock, type Logger } from '../core/index.js';

/** Most shared URIs listed on `/readyz` (the log has each once); the rest are counted. */
const MAX_SHARED_SHOWN = 50;

/**
 * What is wrong with the lists the aggregate holds, for operators: per upstream, which list was refused
 * and why (a failed fetch, a malformed list), and which resource URIs several upstreams share (all but
 * the first in configuration order are shadowed). Each new problem is logged once; the log is
 * throttled because upstreams control both the reasons and the URIs.
 */
export class ListHealth {
  #problems = new Map<string, Map<string, string>>();
  #shared = new Map<string, readonly string[]>();
  #throttle: LogThrottle;

  constructor(
    clock: Clock,
    private readonly log: Logger,
  ) {
    this.#throttle = new LogThrottle(clock);
  }

  /** Records that `upstream`'s `kind` list was refused; logs it when the reason is new. */
  refused(upstream: string, kind: string, reason: string): void {
    let byKind = this.#problems.get(upstream);
    if (!byKind) this.#problems.set(upstream, (byKind = new Map()));
    const text = clip(reason) ?? '';
    if (byKind.get(kind) === text) return;
    byKind.set(kind, text);
    this.#warn({ upstream, list: kind, reason: text }, 'upstream list refused; keeping its previous list');
  }

  /** Records that `upstream`'s `kind` list was accepted again. */
  accepted(upstream: string, kind: string): void {
    const byKind = this.#problems.get(upstream);
    if (!byKind?.delete(kind)) return;
    if (byKind.size === 0) this.#problems.delete(upstream);
    this.log.info({ upstream, list: kind }, 'upstream list accepted again');
  }

  /** Replaces the set of shared resource URIs (URI → upstreams, owner first); logs the new ones. */
  shared(next: ReadonlyMap<string, readonly string[]>): void {
    for (const [uri, upstreams] of next) {
      const before = this.#shared.get(uri);
      if (before !== undefined && before.join('\0') === upstreams.join('\0')) continue;
      this.#warn(
        { uri: clip(uri), servedBy: upstreams[0], shadowed: upstreams.slice(1) },
        'resource URI listed by several upstreams; the first in configuration order serves it',
      );
    }
    this.#shared = new Map(next);
  }

  /** `/readyz` details: `lists` (upstream → "kind: reason; …") and `sharedResources` (URI → upstreams). */
  details(): { lists: Record<string, string>; sharedResources: Record<string, readonly string[]> } {
    const lists: Record<string, string> = {};
    for (const [upstream, byKind] of this.#problems) lists[upstream] = [...byKind].map(([kind, reason]) => `${kind}: ${reason}`).join('; ');
    const sharedResources: Record<string, readonly string[]> = {};
    let shown = 0;
    for (const [uri, upstreams] of this.#shared) {
      if (shown++ === MAX_SHARED_SHOWN) {
        sharedResources['…'] = [`${this.#shared.size - MAX_SHARED_SHOWN} more`];
        break;
      }
      sharedResources[clip(uri) ?? ''] = upstreams;
    }
    return { lists, sharedResources };
  }

  #warn(fields: Record<string, unknown>, msg: string): void {
    const suppressed = this.#throttle.take();
    if (suppressed < 0) return;
    this.log.warn(suppressed > 0 ? { ...fields, suppressed } : fields, msg);
  }
}
