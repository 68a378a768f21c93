import { Emitter } from '../core/index.js';
import type { UpstreamConnection } from '../upstream/types.js';
import { ResourceIndex, type ListedResource } from './resource-index.js';
import { NamedRouteTable, type ListedItem, type UpstreamNaming } from './route-table.js';

export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

const LIST_METHOD: Record<ListKind, { method: string; key: string; capability: string }> = {
  tools: { method: 'tools/list', key: 'tools', capability: 'tools' },
  prompts: { method: 'prompts/list', key: 'prompts', capability: 'prompts' },
  resources: { method: 'resources/list', key: 'resources', capability: 'resources' },
  resourceTemplates: { method: 'resources/templates/list', key: 'resourceTemplates', capability: 'resources' },
};

const CHANGED_NOTIFICATION: Record<string, ListKind[]> = {
  'notifications/tools/list_changed': ['tools'],
  'notifications/prompts/list_changed': ['prompts'],
  'notifications/resources/list_changed': ['resources', 'resourceTemplates'],
};

const MAX_PAGES = 100;

/** One upstream as the aggregator sees it. */
export interface AggregatedUpstream {
  readonly naming: UpstreamNaming;
  /** Its replicas; lists come from the first ready one, so one dead replica never hides the tools. */
  readonly connections: readonly UpstreamConnection[];
}

export interface AggregatorEvents extends Record<string, unknown> {
  changed: { kind: ListKind; upstream: string };
  resourceUpdated: { upstream: string; uri: string; params: Record<string, unknown> };
  /** An upstream log message tied to no call (the peer never passes on one it could not attribute). */
  log: { upstream: string; params: Record<string, unknown> };
  error: { upstream: string; kind: ListKind; error: unknown };
}

/**
 * Keeps every upstream's lists and the aggregated route tables built from them. An upstream's
 * list_changed refetches that list, rebuilds the tables and emits `changed`, which the session layer
 * turns into client notifications (legacy) or subscription events (modern).
 */
export class Aggregator {
  readonly events = new Emitter<AggregatorEvents>();
  #upstreams: AggregatedUpstream[];
  #lists: Record<ListKind, Map<string, unknown[]>> = {
    tools: new Map(),
    prompts: new Map(),
    resources: new Map(),
    resourceTemplates: new Map(),
  };
  #inflight = new Map<string, Promise<void>>();
  #dirty = new Set<string>();
  #unsubscribe: (() => void)[] = [];
  /** Upstreams whose first lists are not loaded yet (nor given up on): callers wait for them, boundedly. */
  #firstLoad = new Map<string, { done: Promise<void>; resolve: () => void; givenUp: number }>();
  tools: NamedRouteTable;
  prompts: NamedRouteTable;
  resources: ResourceIndex;

  constructor(upstreams: readonly AggregatedUpstream[]) {
    this.#upstreams = [...upstreams];
    this.tools = this.#buildNamed('tools', true);
    this.prompts = this.#buildNamed('prompts', false);
    this.resources = this.#buildResources();
  }

  /** Subscribes to upstream events and loads every list once each upstream is ready. */
  start(): void {
    for (const u of this.#upstreams) {
      const name = u.naming.name;
      let resolve = () => {};
      const done = new Promise<void>((r) => (resolve = r));
      this.#firstLoad.set(name, { done, resolve, givenUp: 0 });
      const loaded = () => {
        this.#firstLoad.get(name)?.resolve();
        this.#firstLoad.delete(name);
      };
      for (const c of u.connections) {
        this.#unsubscribe.push(
          c.events.on('notification', (n) => {
            const kinds = CHANGED_NOTIFICATION[n.method];
            if (kinds) for (const kind of kinds) void this.refresh(name, kind);
            else if (n.method === 'notifications/resources/updated' && typeof n.params?.uri === 'string')
              this.events.emit('resourceUpdated', { upstream: name, uri: n.params.uri, params: n.params });
            else if (n.method === 'notifications/message' && n.params !== undefined)
              this.events.emit('log', { upstream: name, params: n.params });
          }),
          c.events.on('state', ({ state }) => {
            if (state === 'ready') void this.refreshAll(name).finally(loaded);
            else if (u.connections.every((x) => x.state === 'down' || x.state === 'closed')) loaded();
          }),
        );
      }
      if (u.connections.some((c) => c.state === 'ready')) void this.refreshAll(name).finally(loaded);
    }
  }

  stop(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  /** Loads all lists of one upstream (those its capabilities announce). */
  async refreshAll(upstream: string): Promise<void> {
    await Promise.all((Object.keys(LIST_METHOD) as ListKind[]).map((kind) => this.refresh(upstream, kind)));
  }

  /** Refetches one list; concurrent refreshes of the same list coalesce into one extra fetch. */
  refresh(upstream: string, kind: ListKind): Promise<void> {
    const key = `${upstream}\0${kind}`;
    const running = this.#inflight.get(key);
    if (running) {
      this.#dirty.add(key);
      return running;
    }
    const run = (async () => {
      try {
        do {
          this.#dirty.delete(key);
          await this.#fetch(upstream, kind);
        } while (this.#dirty.has(key));
      } finally {
        this.#inflight.delete(key);
      }
    })();
    this.#inflight.set(key, run);
    return run;
  }

  /** True while some upstream has not delivered its first lists (nor been given up on). */
  get loading(): boolean {
    return this.#firstLoad.size > 0;
  }

  /** One replica of `upstream` failed to start; once all have, callers stop waiting for its first lists. */
  giveUp(upstream: string): void {
    const pending = this.#firstLoad.get(upstream);
    const replicas = this.#upstreams.find((u) => u.naming.name === upstream)?.connections.length ?? 1;
    if (pending === undefined || ++pending.givenUp < replicas) return;
    pending.resolve();
    this.#firstLoad.delete(upstream);
  }

  /**
   * Resolves when every upstream's first load has settled (or `timeoutMs` passed). Later refreshes are
   * not waited for: until one lands, callers keep the previous list, so one slow upstream never stalls
   * calls to the others.
   */
  async whenLoaded(timeoutMs: number): Promise<void> {
    const pending = [...this.#firstLoad.values()].map((f) => f.done);
    if (pending.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.allSettled(pending), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** The connection to use for an upstream's lists and subscriptions: its first ready replica, else the first. */
  connection(upstream: string): UpstreamConnection | undefined {
    const u = this.#upstreams.find((x) => x.naming.name === upstream);
    return u === undefined ? undefined : pick(u);
  }

  get upstreamNames(): string[] {
    return this.#upstreams.map((u) => u.naming.name);
  }

  async #fetch(upstream: string, kind: ListKind): Promise<void> {
    const u = this.#upstreams.find((x) => x.naming.name === upstream);
    const connection = u === undefined ? undefined : pick(u);
    const info = connection?.info;
    if (!u || !info) return;
    const spec = LIST_METHOD[kind];
    if (!info.capabilities[spec.capability]) {
      if (this.#lists[kind].delete(upstream)) this.#rebuild(kind, upstream);
      return;
    }
    const items: unknown[] = [];
    let cursor: string | undefined;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = await connection!.request(spec.method, cursor === undefined ? undefined : { cursor }, {
          signal: AbortSignal.timeout(30_000),
        });
        const batch = result[spec.key];
        if (Array.isArray(batch)) items.push(...batch);
        cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
        if (cursor === undefined) break;
      }
    } catch (error) {
      this.events.emit('error', { upstream, kind, error });
      return;
    }
    this.#lists[kind].set(upstream, items);
    this.#rebuild(kind, upstream);
  }

  #rebuild(kind: ListKind, upstream: string): void {
    if (kind === 'tools') this.tools = this.#buildNamed('tools', true);
    else if (kind === 'prompts') this.prompts = this.#buildNamed('prompts', false);
    else this.resources = this.#buildResources();
    this.events.emit('changed', { kind, upstream });
  }

  #buildNamed(kind: 'tools' | 'prompts', filter: boolean): NamedRouteTable {
    return new NamedRouteTable(
      this.#upstreams.map((u) => u.naming),
      this.#lists[kind] as Map<string, ListedItem[]>,
      filter,
    );
  }

  #buildResources(): ResourceIndex {
    const order = this.#upstreams.map((u) => u.naming.name);
    const serving = this.#upstreams.filter((u) => pick(u).info?.capabilities.resources).map((u) => u.naming.name);
    return new ResourceIndex(
      order,
      this.#lists.resources as Map<string, ListedResource[]>,
      this.#lists.resourceTemplates as Map<string, ListedResource[]>,
      serving,
    );
  }
}

function pick(u: AggregatedUpstream): UpstreamConnection {
  return u.connections.find((c) => c.state === 'ready') ?? u.connections[0]!;
}
