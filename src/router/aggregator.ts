import { createHash } from 'node:crypto';
import { Emitter, silentLogger, systemClock, type Clock, type Logger } from '../core/index.js';
import type { UpstreamConnection } from '../upstream/types.js';
import { checkListPage, ListRefused, type CheckedList, type ListKey } from './list-check.js';
import { ListHealth } from './list-health.js';
import { ListRefresher } from './list-refresher.js';
import { exposeName } from './namespacing.js';
import { ResourceIndex, type ListedResource } from './resource-index.js';
import { NamedRouteTable, type ListedItem, type UpstreamNaming } from './route-table.js';
import type { ToolGate } from './tool-gate.js';

export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';
/** A list as callers see it: resources and templates change together (one list_changed). */
export type ClientList = 'tools' | 'prompts' | 'resources';

const LIST_METHOD: Record<ListKind, { method: string; key: string; capability: string; itemKey: ListKey }> = {
  tools: { method: 'tools/list', key: 'tools', capability: 'tools', itemKey: 'name' },
  prompts: { method: 'prompts/list', key: 'prompts', capability: 'prompts', itemKey: 'name' },
  resources: { method: 'resources/list', key: 'resources', capability: 'resources', itemKey: 'uri' },
  resourceTemplates: { method: 'resources/templates/list', key: 'resourceTemplates', capability: 'resources', itemKey: 'uriTemplate' },
};

const CLIENT_LIST: Record<ListKind, ClientList> = {
  tools: 'tools',
  prompts: 'prompts',
  resources: 'resources',
  resourceTemplates: 'resources',
};

const CHANGED_NOTIFICATION: Record<string, ListKind[]> = {
  'notifications/tools/list_changed': ['tools'],
  'notifications/prompts/list_changed': ['prompts'],
  'notifications/resources/list_changed': ['resources', 'resourceTemplates'],
};

const MAX_PAGES = 100;
/** Default least time between two fetches of one upstream list: a list_changed storm costs ≤ 4 fetches/s. */
export const DEFAULT_MIN_REFRESH_INTERVAL_MS = 250;

/** One upstream as the aggregator sees it. */
export interface AggregatedUpstream {
  readonly naming: UpstreamNaming;
  /** Its replicas; lists come from the first ready one, so one dead replica never hides the tools. */
  readonly connections: readonly UpstreamConnection[];
}

/** Injected time and logging, and the refetch spacing. */
export interface AggregatorOptions {
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Least time between the starts of two fetches of one upstream list (default 250 ms). */
  readonly minRefreshIntervalMs?: number;
  /** Decides which tools may be served (tool-definition pinning); every tool is served without one. */
  readonly toolGate?: ToolGate;
}

export interface AggregatorEvents extends Record<string, unknown> {
  /** An upstream's list was (re)loaded, changed or not: its cached results and compiled pipelines are stale. */
  changed: { kind: ListKind; upstream: string };
  /** What callers see of one list (items, names, routing) differs from before: worth a list_changed. */
  aggregateChanged: { list: ClientList };
  resourceUpdated: { upstream: string; uri: string; params: Record<string, unknown> };
  /** An upstream log message tied to no call (the peer never passes on one it could not attribute). */
  log: { upstream: string; params: Record<string, unknown> };
  error: { upstream: string; kind: ListKind; error: unknown };
}

/**
 * Keeps every upstream's lists and the aggregated route tables built from them. An upstream's
 * list_changed refetches that list (coalesced and spaced, so a storm costs a bounded number of fetches),
 * rebuilds the tables and emits `changed`; when what callers see differs, also `aggregateChanged`, which
 * the session layer turns into client notifications (legacy) or subscription events (modern). A
 * malformed or failed list only loses its own upstream's update: the aggregate keeps that upstream's
 * previous good list, and the problem shows on `/readyz`.
 */
export class Aggregator {
  readonly events = new Emitter<AggregatorEvents>();
  readonly health: ListHealth;
  #upstreams: AggregatedUpstream[];
  #lists: Record<ListKind, Map<string, unknown[]>> = {
    tools: new Map(),
    prompts: new Map(),
    resources: new Map(),
    resourceTemplates: new Map(),
  };
  /** Per upstream and kind: a digest of the last accepted list, to skip rebuilding for an identical one. */
  #digests = new Map<string, string>();
  /** Each accepted item's JSON, computed once when fetched. */
  #texts = new WeakMap<object, string>();
  #fingerprints: Record<ClientList, string>;
  #refresher: ListRefresher;
  #unsubscribe: (() => void)[] = [];
  #gate: ToolGate | undefined;
  /** Upstreams whose first lists are not loaded yet (nor given up on): callers wait for them, boundedly. */
  #firstLoad = new Map<string, { done: Promise<void>; resolve: () => void; givenUp: number }>();
  tools: NamedRouteTable;
  prompts: NamedRouteTable;
  resources: ResourceIndex;

  constructor(upstreams: readonly AggregatedUpstream[], options: AggregatorOptions = {}) {
    this.#upstreams = [...upstreams];
    const clock = options.clock ?? systemClock;
    this.#gate = options.toolGate;
    this.health = new ListHealth(clock, options.log ?? silentLogger);
    this.#refresher = new ListRefresher(clock, options.minRefreshIntervalMs ?? DEFAULT_MIN_REFRESH_INTERVAL_MS, (key, error) => {
      const [upstream = '', kind = ''] = key.split('\0');
      this.health.refused(upstream, kind, `internal: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.tools = this.#buildNamed('tools', true);
    this.prompts = this.#buildNamed('prompts', false);
    this.resources = this.#buildResources();
    this.#fingerprints = {
      tools: this.fingerprint('tools'),
      prompts: this.fingerprint('prompts'),
      resources: this.fingerprint('resources'),
    };
  }

  /** Subscribes to upstream events and loads every list once each upstream is ready. */
  start(): void {
    this.#refresher.resume();
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

  /** Stops listening to upstreams and abandons refetches waiting for their turn. */
  stop(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#refresher.stop();
  }

  /** Loads all lists of one upstream (those its capabilities announce). */
  async refreshAll(upstream: string): Promise<void> {
    await Promise.all((Object.keys(LIST_METHOD) as ListKind[]).map((kind) => this.refresh(upstream, kind)));
  }

  /** Refetches one list (coalesced and spaced: see ListRefresher); resolves once a fetch started after this call settled. */
  refresh(upstream: string, kind: ListKind): Promise<void> {
    return this.#refresher.request(`${upstream}\0${kind}`, () => this.#fetch(upstream, kind));
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

  /** A digest of what callers see of one list; equal digests mean no list_changed is due. */
  fingerprint(list: ClientList): string {
    const text = (item: object) => this.#texts.get(item) ?? JSON.stringify(item);
    return list === 'resources' ? this.resources.fingerprint(text) : this[list].fingerprint(text);
  }

  /**
   * For a tool or prompt name no route matches: the configured upstream its prefix names, when that
   * upstream is down or has not delivered that list yet (the name may well exist there), with why.
   */
  unavailableOwner(name: string, kind: 'tools' | 'prompts'): { upstream: string; reason: string } | undefined {
    let owner: AggregatedUpstream | undefined;
    for (const u of this.#upstreams) {
      const { prefix, separator } = u.naming.namespace;
      if (prefix !== '' && name.startsWith(prefix + separator) && prefix.length > (owner?.naming.namespace.prefix.length ?? -1)) owner = u;
    }
    if (owner === undefined) return undefined;
    const upstream = owner.naming.name;
    const ready = owner.connections.find((c) => c.state === 'ready');
    if (!ready) return { upstream, reason: `not ready (${owner.connections.map((c) => c.state).join(',')})` };
    const announced = Boolean(ready.info?.capabilities[LIST_METHOD[kind].capability]);
    if (announced && !this.#lists[kind].has(upstream)) return { upstream, reason: `its ${kind} list is not loaded` };
    return undefined;
  }

  async #fetch(upstream: string, kind: ListKind): Promise<void> {
    const u = this.#upstreams.find((x) => x.naming.name === upstream);
    const connection = u === undefined ? undefined : pick(u);
    const info = connection?.info;
    if (!u || !connection || !info) return;
    const spec = LIST_METHOD[kind];
    if (!info.capabilities[spec.capability]) {
      this.health.accepted(upstream, kind);
      if (this.#lists[kind].delete(upstream)) this.#accept(kind, upstream, undefined);
      return;
    }
    const checked: CheckedList = { items: [], texts: [] };
    let cursor: string | undefined;
    let gateChanged = false;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = await connection.request(spec.method, cursor === undefined ? undefined : { cursor }, {
          signal: AbortSignal.timeout(30_000),
        });
        checkListPage(result[spec.key], spec.itemKey, checked);
        cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
        if (cursor === undefined) break;
      }
      // Pinning decides here, once per fetched list: the per-call path only looks the route up.
      if (kind === 'tools' && this.#gate)
        gateChanged = await this.#gate.review(upstream, checked.items as ListedItem[], this.#otherTools(upstream));
    } catch (error) {
      const why = error instanceof ListRefused ? error.message : `fetch failed: ${error instanceof Error ? error.message : String(error)}`;
      this.health.refused(upstream, kind, why);
      this.events.emit('error', { upstream, kind, error });
      return;
    }
    this.health.accepted(upstream, kind);
    this.#accept(kind, upstream, checked, gateChanged);
  }

  /** Takes a checked list (undefined: the list is gone); rebuilds only when it differs from the last. */
  #accept(kind: ListKind, upstream: string, checked: CheckedList | undefined, gateChanged = false): void {
    const key = `${upstream}\0${kind}`;
    if (checked !== undefined) {
      const hash = createHash('sha1');
      for (const t of checked.texts) hash.update(`${t}\n`);
      const digest = hash.digest('base64');
      const same = this.#digests.get(key) === digest && this.#lists[kind].has(upstream);
      this.#digests.set(key, digest);
      if (same && !gateChanged) return void this.events.emit('changed', { kind, upstream });
      checked.items.forEach((item, i) => this.#texts.set(item, checked.texts[i]!));
      this.#lists[kind].set(upstream, checked.items);
    } else this.#digests.delete(key);
    this.#rebuild(kind, upstream);
  }

  /**
   * Reviews every upstream's current tool list with the gate again (pins were approved or rejected
   * elsewhere) and rebuilds the tools table where the verdicts changed.
   */
  async reviewTools(): Promise<void> {
    const gate = this.#gate;
    if (!gate) return;
    for (const [upstream, items] of this.#lists.tools) {
      if (await gate.review(upstream, items as ListedItem[], this.#otherTools(upstream))) this.#rebuild('tools', upstream);
    }
  }

  /** Every other upstream's tool names (as listed and as exposed) → that upstream, for the shadowing scan. */
  #otherTools(upstream: string): Map<string, string> {
    const names = new Map<string, string>();
    for (const [name, items] of this.#lists.tools) {
      if (name === upstream) continue;
      const naming = this.#upstreams.find((u) => u.naming.name === name)?.naming;
      for (const item of items as ListedItem[]) {
        names.set(item.name, name);
        if (naming) names.set(exposeName(naming.namespace, item.name), name);
      }
    }
    return names;
  }

  #rebuild(kind: ListKind, upstream: string): void {
    if (kind === 'tools') this.tools = this.#buildNamed('tools', true);
    else if (kind === 'prompts') this.prompts = this.#buildNamed('prompts', false);
    else {
      this.resources = this.#buildResources();
      this.health.shared(this.resources.shared);
    }
    this.events.emit('changed', { kind, upstream });
    const list = CLIENT_LIST[kind];
    const fingerprint = this.fingerprint(list);
    if (fingerprint === this.#fingerprints[list]) return;
    this.#fingerprints[list] = fingerprint;
    this.events.emit('aggregateChanged', { list });
  }

  #buildNamed(kind: 'tools' | 'prompts', filter: boolean): NamedRouteTable {
    return new NamedRouteTable(
      this.#upstreams.map((u) => u.naming),
      this.#lists[kind] as Map<string, ListedItem[]>,
      filter,
      kind === 'tools' ? this.#gate : undefined,
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
