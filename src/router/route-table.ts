import { createHash } from 'node:crypto';
import type { Namespace } from './namespacing.js';
import { disambiguate, exposeName, globMatcher } from './namespacing.js';
import type { BlockedTool, ToolGate } from './tool-gate.js';

/** A named item (tool or prompt) as one upstream lists it; kept verbatim apart from its name. */
export interface ListedItem {
  name: string;
  [key: string]: unknown;
}

/** One entry of the route table: the client-visible name, its upstream, and the upstream's own item. */
export interface NamedRoute {
  readonly exposed: string;
  readonly upstream: string;
  readonly target: string;
  readonly item: Readonly<ListedItem>;
}

/** Per-upstream naming and filtering rules. */
export interface UpstreamNaming {
  readonly name: string;
  readonly namespace: Namespace;
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
}

/**
 * Name → route for one kind (tools or prompts), rebuilt whenever an upstream's list changes. Upstreams
 * are processed in configuration order, so collisions resolve the same way on every rebuild.
 */
export class NamedRouteTable {
  #byName = new Map<string, NamedRoute>();
  #list: ListedItem[] = [];
  #blocked = new Map<string, BlockedTool>();
  readonly collisions: string[] = [];

  /** `gate`: tools it blocks are left out (and remembered, so a call gets a clear refusal). */
  constructor(naming: readonly UpstreamNaming[], items: ReadonlyMap<string, readonly ListedItem[]>, filter: boolean, gate?: ToolGate) {
    for (const upstream of naming) {
      const allow = upstream.allow && upstream.allow.length > 0 ? globMatcher(upstream.allow) : undefined;
      const deny = globMatcher(upstream.deny ?? []);
      for (const item of items.get(upstream.name) ?? []) {
        if (typeof item.name !== 'string') continue;
        if (filter && ((allow && !allow(item.name)) || deny(item.name))) continue;
        const reason = gate?.blocked(upstream.name, item.name);
        if (reason !== undefined) {
          this.#blocked.set(exposeName(upstream.namespace, item.name), { upstream: upstream.name, target: item.name, reason });
          continue;
        }
        let exposed = exposeName(upstream.namespace, item.name);
        if (this.#byName.has(exposed)) {
          this.collisions.push(`${upstream.name}/${item.name} collides with ${exposed}`);
          exposed = disambiguate(exposed, upstream.name, item.name);
        }
        const route: NamedRoute = { exposed, upstream: upstream.name, target: item.name, item };
        this.#byName.set(exposed, route);
        // Schemas and every other key pass verbatim; only the name is rewritten.
        this.#list.push(exposed === item.name ? item : { ...item, name: exposed });
      }
    }
  }

  get(name: string): NamedRoute | undefined {
    return this.#byName.get(name);
  }

  /** A tool hidden by the gate under this exposed name, with why (undefined when none is). */
  blocked(name: string): BlockedTool | undefined {
    return this.#blocked.get(name);
  }

  /** The aggregated list as clients see it. */
  get list(): readonly ListedItem[] {
    return this.#list;
  }

  get size(): number {
    return this.#byName.size;
  }

  /**
   * A digest of what callers see and where it routes: every exposed name with its upstream and item.
   * `text` returns an item's JSON (kept from when the list was fetched, so nothing is serialised again).
   */
  fingerprint(text: (item: object) => string): string {
    const hash = createHash('sha1');
    for (const r of this.#byName.values()) hash.update(`${r.exposed}\0${r.upstream}\0${text(r.item)}\n`);
    return hash.digest('base64');
  }
}
