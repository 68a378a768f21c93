import { createHash } from 'node:crypto';
import type { Principal } from '../../pipeline/index.js';
import type { Authorizer } from './authorizer.js';
import { principalClaims, principalScopes } from './compile-rules.js';
import type { AuthzTarget } from './rule-model.js';

/** A list callers can ask for, each with its own filtering. */
export type VisibleList = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

interface Entry {
  readonly source: readonly unknown[];
  readonly result: readonly unknown[];
}

/** Most principal shapes whose filtered lists are kept; past it the cache starts over (bounded memory). */
const DEFAULT_MAX_SHAPES = 4096;

/**
 * Lists filtered per caller by the authorization rules (a caller never sees what it may not call).
 * Filtering is cached per principal shape (what the rules can read of a principal: kind, id, roles,
 * scopes, claims) and list version (the aggregate's list array, replaced on every rebuild), so a repeated
 * `tools/list` costs two map lookups. When a caller sees everything, the aggregate's own array comes back.
 */
export class ListVisibility {
  #shapes = new WeakMap<Principal, string>();
  #cache = new Map<string, Map<VisibleList, Entry>>();
  #fingerprints = new WeakMap<readonly unknown[], string>();

  constructor(
    private readonly authorizer: Authorizer,
    private readonly maxShapes = DEFAULT_MAX_SHAPES,
  ) {}

  /** The items of `list` this principal may see; `target` describes an item (undefined: an item it cannot place, hidden). */
  filter<T>(principal: Principal, list: VisibleList, items: readonly T[], target: (item: T) => AuthzTarget | undefined): readonly T[] {
    const shape = this.#shape(principal);
    let lists = this.#cache.get(shape);
    const hit = lists?.get(list);
    if (hit !== undefined && hit.source === items) return hit.result as readonly T[];
    const kept = items.filter((item) => {
      const t = target(item);
      return t !== undefined && this.authorizer.visible(principal, t);
    });
    const result = kept.length === items.length ? items : kept;
    if (lists === undefined) {
      if (this.#cache.size >= this.maxShapes) this.#cache.clear();
      lists = new Map();
      this.#cache.set(shape, lists);
    }
    lists.set(list, { source: items, result });
    return result;
  }

  /** Whether the principal may see one item (uncached: for single lookups, not lists). */
  sees(principal: Principal, target: AuthzTarget): boolean {
    return this.authorizer.visible(principal, target);
  }

  /** A digest of a filtered list (cached per result array): equal digests mean the caller's view did not change. */
  fingerprint(items: readonly unknown[]): string {
    let digest = this.#fingerprints.get(items);
    if (digest === undefined) {
      const hash = createHash('sha1');
      for (const item of items) hash.update(`${JSON.stringify(item)}\n`);
      digest = hash.digest('base64');
      this.#fingerprints.set(items, digest);
    }
    return digest;
  }

  #shape(p: Principal): string {
    let shape = this.#shapes.get(p);
    if (shape === undefined) {
      shape = JSON.stringify([p.kind, p.id, p.roles, principalScopes(p) ?? [], principalClaims(p) ?? {}]);
      this.#shapes.set(p, shape);
    }
    return shape;
  }
}
