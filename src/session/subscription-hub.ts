import { clip, systemClock, type Clock, type Logger, type TimerHandle } from '../core/index.js';
import { errors } from '../errors/index.js';
import type { JsonRpcNotification, RequestId } from '../protocol/index.js';
import { LOG_LEVELS, logLevelAtLeast, META, notification } from '../protocol/index.js';
import type { Aggregator, ClientList } from '../router/index.js';
import type { Principal } from '../pipeline/index.js';
import type { CallerLists } from './caller-lists.js';
import type { CallerScope } from './caller-scope.js';
import type { MessageWriter } from './legacy-session.js';
import type { SessionStore } from './session-store.js';

/** What a modern `subscriptions/listen` asked for. */
export interface ListenFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

interface Listener {
  readonly id: RequestId;
  readonly filter: ListenFilter;
  readonly write: MessageWriter;
  /** The `_meta` logLevel of the listen request: unrelated upstream logs at or above it are streamed. */
  readonly logLevel: string | undefined;
  /** With per-caller lists: who listens, and the view of each list it was last told about. */
  readonly view?: CallerView;
  /** Subscribed resources the caller may not read: acknowledged, never delivered. */
  readonly hidden?: ReadonlySet<string>;
}

/** What one caller was last shown or told of each list (per-caller list_changed). */
interface CallerView {
  principal: Principal;
  readonly told: Map<ClientList, string>;
}

const CHANGED: Record<ClientList, { method: string; filter: keyof ListenFilter }> = {
  tools: { method: 'notifications/tools/list_changed', filter: 'toolsListChanged' },
  prompts: { method: 'notifications/prompts/list_changed', filter: 'promptsListChanged' },
  resources: { method: 'notifications/resources/list_changed', filter: 'resourcesListChanged' },
};

/** Time and the list_changed coalescing window of a SubscriptionHub. */
export interface SubscriptionHubOptions {
  readonly clock?: Clock;
  /** Changes of one list within this window reach callers as one list_changed (default 100 ms). */
  readonly notifyWindowMs?: number;
  /** How long a subscription waits for upstreams still loading their first lists (default 10 s). */
  readonly listWaitMs?: number;
  /** Per-caller list views: a caller hears list_changed only when its own view changed. */
  readonly lists?: CallerLists | undefined;
}

/**
 * Fans upstream events out to callers: list_changed to every legacy session's GET stream and to modern
 * listeners that opted in; resource updates to subscribers. A list_changed goes out only when what
 * callers see changed, at most once per list per window however many upstream changes it sums up.
 * Upstream subscriptions are reference-counted so many callers watching one URI cost the upstream one
 * subscription, and follow the URI to the upstream the resource list attributes it to.
 */
export class SubscriptionHub {
  #listeners = new Set<Listener>();
  #uriRefs = new Map<string, number>();
  /** Where each watched URI is subscribed upstream (absent: no upstream serves it yet). */
  #placed = new Map<string, string>();
  #off: (() => void)[] = [];
  #clock: Clock;
  #windowMs: number;
  #listWaitMs: number;
  #pending = new Set<ClientList>();
  #timer: TimerHandle | undefined;
  /** Per list, the aggregate's fingerprint when callers were last told (or at start). */
  #told = new Map<ClientList, string>();
  #lists: CallerLists | undefined;
  /** Per legacy session (with per-caller lists): its principal and the views it was shown. */
  #views = new WeakMap<object, CallerView>();

  constructor(
    private readonly aggregator: Aggregator,
    private readonly sessions: SessionStore,
    private readonly log: Logger,
    options: SubscriptionHubOptions = {},
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#windowMs = options.notifyWindowMs ?? 100;
    this.#listWaitMs = options.listWaitMs ?? 10_000;
    this.#lists = options.lists;
  }

  /**
   * A legacy session was shown a list (with per-caller lists): remember who it is and what it saw, so
   * its list_changed comes only when that view changes. A session that never listed is never told.
   */
  listed(session: object, principal: Principal, list: ClientList): void {
    if (this.#lists === undefined) return;
    let view = this.#views.get(session);
    if (view === undefined) this.#views.set(session, (view = this.#viewOf(principal)!));
    view.principal = principal;
    view.told.set(list, this.#lists.fingerprint(principal, list, this.aggregator));
  }

  start(): void {
    for (const list of Object.keys(CHANGED) as ClientList[]) this.#told.set(list, this.aggregator.fingerprint(list));
    this.#off.push(
      this.aggregator.events.on('aggregateChanged', ({ list }) => this.#listChanged(list)),
      this.aggregator.events.on('resourceUpdated', ({ upstream, uri, params }) => this.#resourceUpdated(upstream, uri, params)),
      this.aggregator.events.on('log', ({ params }) => this.#upstreamLog(params)),
    );
  }

  stop(): void {
    for (const off of this.#off.splice(0)) off();
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }

  /** Legacy `resources/subscribe`. */
  async subscribe(scope: CallerScope, uri: unknown): Promise<Record<string, unknown>> {
    if (typeof uri !== 'string') throw errors.invalidParams('params.uri: expected a string', { field: 'params.uri' });
    const session = scope.session;
    if (!session) throw errors.methodNotFound('resources/subscribe');
    // A resource the caller may not read: accepted like any other, never subscribed nor delivered.
    if (!this.#mayRead(scope.principal, uri)) return {};
    if (!session.subscribe(uri)) return {};
    try {
      await this.#retain(uri, true);
    } catch (err) {
      // The upstream subscription was not made: the caller hears so, and holds nothing.
      session.unsubscribe(uri);
      await this.#release(uri);
      throw err;
    }
    return {};
  }

  /** Legacy `resources/unsubscribe`. */
  async unsubscribe(scope: CallerScope, uri: unknown): Promise<Record<string, unknown>> {
    if (typeof uri !== 'string') throw errors.invalidParams('params.uri: expected a string', { field: 'params.uri' });
    if (scope.session?.unsubscribe(uri)) await this.#release(uri);
    return {};
  }

  /** Releases every subscription a closing session held. */
  sessionClosed(subscriptions: Set<string> | undefined): void {
    for (const uri of subscriptions ?? []) void this.#release(uri);
  }

  /** Legacy `logging/setLevel`: the session's own filter, and the most verbose level any session wants upstream. */
  async setLogLevel(scope: CallerScope, level: unknown): Promise<Record<string, unknown>> {
    if (typeof level !== 'string' || !(LOG_LEVELS as readonly string[]).includes(level))
      throw errors.invalidParams(`params.level: expected one of ${LOG_LEVELS.join(', ')}`, { field: 'params.level' });
    if (scope.session) scope.session.logLevel = level;
    let min = level;
    for (const s of this.sessions.values())
      if (s.logLevel && LOG_LEVELS.indexOf(s.logLevel as never) < LOG_LEVELS.indexOf(min as never)) min = s.logLevel;
    await Promise.allSettled(
      this.aggregator.upstreamNames.map((name) => {
        const c = this.aggregator.connection(name);
        if (!c?.info?.capabilities.logging) return undefined;
        return c.request('logging/setLevel', { level: min }, { signal: AbortSignal.timeout(10_000) });
      }),
    );
    return {};
  }

  /**
   * Modern `subscriptions/listen`: acknowledges, then streams matching notifications until `signal`
   * aborts; with a `logLevel` (the listen request's `_meta`), also upstream logs tied to no call.
   */
  async listen(
    id: RequestId,
    filter: ListenFilter,
    write: MessageWriter,
    signal: AbortSignal,
    logLevel?: string,
    principal?: Principal,
  ): Promise<void> {
    const view = principal === undefined ? undefined : this.#viewOf(principal);
    // Resources the caller may not read are acknowledged like any other but never subscribed nor delivered:
    // the answer does not tell them apart from resources it may read.
    const hidden = new Set((filter.resourceSubscriptions ?? []).filter((uri) => principal !== undefined && !this.#mayRead(principal, uri)));
    let listener: Listener = { id, filter, write, logLevel, ...(view && { view }), ...(hidden.size > 0 && { hidden }) };
    this.#listeners.add(listener);
    const wanted = filter.resourceSubscriptions ?? [];
    const outcomes = await Promise.allSettled(wanted.map((u) => (hidden.has(u) ? undefined : this.#retain(u, true))));
    // The acknowledgement names only what is delivered: a URI no upstream would watch is left out.
    const uris = wanted.filter((_, i) => outcomes[i]!.status === 'fulfilled');
    if (uris.length < wanted.length) {
      for (const u of wanted) if (!uris.includes(u) && !hidden.has(u)) void this.#release(u);
      this.#listeners.delete(listener);
      listener = { ...listener, filter: { ...filter, resourceSubscriptions: uris } };
      this.#listeners.add(listener);
    }
    write(
      notification('notifications/subscriptions/acknowledged', { notifications: listener.filter, _meta: { [META.subscriptionId]: id } }),
    );
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.#listeners.delete(listener);
    for (const u of uris) if (!hidden.has(u)) void this.#release(u);
  }

  /** A list callers see changed: told once the window closes, so a burst of changes is one notification. */
  #listChanged(list: ClientList): void {
    if (list === 'resources') this.#follow();
    this.#pending.add(list);
    if (this.#timer !== undefined) return;
    this.#timer = this.#clock.setTimeout(() => this.#flush(), this.#windowMs);
    this.#timer.unref?.();
  }

  #flush(): void {
    this.#timer = undefined;
    for (const list of [...this.#pending]) {
      this.#pending.delete(list);
      // A change undone within the window (or already told) is no change to callers.
      const fingerprint = this.aggregator.fingerprint(list);
      if (this.#told.get(list) === fingerprint) continue;
      this.#told.set(list, fingerprint);
      const { method, filter } = CHANGED[list];
      const message = notification(method);
      const lists = this.#lists;
      if (lists === undefined) {
        for (const session of this.sessions.values()) session.standalone?.(message);
        for (const l of this.#listeners) if (l.filter[filter]) l.write(tag(message, l.id));
        continue;
      }
      // Per caller: told only when its own view changed (views are cached per principal shape).
      for (const session of this.sessions.values()) {
        const view = this.#views.get(session);
        if (view !== undefined && this.#changedFor(view, list, lists)) session.standalone?.(message);
      }
      for (const l of this.#listeners)
        if (l.filter[filter] && (l.view === undefined || this.#changedFor(l.view, list, lists))) l.write(tag(message, l.id));
    }
  }

  /** With per-caller lists: whether the principal may read the resource (placed on the upstream serving it). */
  #mayRead(principal: Principal, uri: string): boolean {
    return this.#lists?.sees(principal, 'resource', this.aggregator.resources.route(uri) ?? '', uri) ?? true;
  }

  /** True (and remembered) when the caller's view of `list` differs from what it was last told. */
  #changedFor(view: CallerView, list: ClientList, lists: CallerLists): boolean {
    const now = lists.fingerprint(view.principal, list, this.aggregator);
    if (view.told.get(list) === now) return false;
    view.told.set(list, now);
    return true;
  }

  /** A new caller's view: what it sees now of every list. */
  #viewOf(principal: Principal): CallerView | undefined {
    const lists = this.#lists;
    if (lists === undefined) return undefined;
    const told = new Map<ClientList, string>();
    for (const list of Object.keys(CHANGED) as ClientList[]) told.set(list, lists.fingerprint(principal, list, this.aggregator));
    return { principal, told };
  }

  /** A caller's roots changed: every upstream that was told the gateway has roots hears of it (others drop it). */
  rootsChanged(): void {
    for (const name of this.aggregator.upstreamNames) {
      const connection = this.aggregator.connection(name);
      connection?.notify('notifications/roots/list_changed').catch((err: unknown) => {
        this.log.debug({ upstream: name, err: String(err) }, 'could not forward roots/list_changed');
      });
    }
  }

  /**
   * An upstream log tied to no call: only to those who asked for logs at its level (legacy sessions
   * after logging/setLevel, on their GET stream; modern listeners whose listen carried a logLevel).
   */
  #upstreamLog(params: Record<string, unknown>): void {
    const level = typeof params.level === 'string' ? params.level : 'info';
    const message = notification('notifications/message', params);
    for (const session of this.sessions.values())
      if (session.logLevel !== undefined && logLevelAtLeast(level, session.logLevel)) session.standalone?.(message);
    for (const l of this.#listeners) if (l.logLevel !== undefined && logLevelAtLeast(level, l.logLevel)) l.write(tag(message, l.id));
  }

  #resourceUpdated(upstream: string, uri: string, params: Record<string, unknown>): void {
    // A URI another upstream serves (it shadows this one) is not the resource callers read.
    const owner = this.aggregator.resources.route(uri);
    if (owner !== undefined && owner !== upstream) return;
    const message = notification('notifications/resources/updated', params);
    for (const session of this.sessions.values()) if (session.subscriptions?.has(uri)) session.standalone?.(message);
    for (const l of this.#listeners) if (l.filter.resourceSubscriptions?.includes(uri) && !l.hidden?.has(uri)) l.write(tag(message, l.id));
  }

  /** One more watcher of `uri`; `strict`: a failed upstream subscription rejects (a caller is waiting). */
  async #retain(uri: string, strict = false): Promise<void> {
    const n = this.#uriRefs.get(uri) ?? 0;
    this.#uriRefs.set(uri, n + 1);
    if (n > 0) return;
    // Route as resources/list will: wait (boundedly) for upstreams still loading their first lists.
    if (this.aggregator.loading) await this.aggregator.whenLoaded(this.#listWaitMs);
    if (!this.#uriRefs.has(uri) || this.#placed.has(uri)) return;
    const upstream = this.aggregator.resources.route(uri);
    if (upstream !== undefined) await this.#place(uri, upstream, strict);
  }

  async #release(uri: string): Promise<void> {
    const n = (this.#uriRefs.get(uri) ?? 0) - 1;
    if (n > 0) return void this.#uriRefs.set(uri, n);
    this.#uriRefs.delete(uri);
    const upstream = this.#placed.get(uri);
    this.#placed.delete(uri);
    if (upstream !== undefined) await this.#unplace(uri, upstream);
  }

  /** The resource lists changed: every watched URI moves to the upstream that now serves it. */
  #follow(): void {
    for (const uri of this.#uriRefs.keys()) {
      const want = this.aggregator.resources.route(uri);
      const have = this.#placed.get(uri);
      if (want === have) continue;
      this.#placed.delete(uri);
      if (have !== undefined) void this.#unplace(uri, have);
      if (want !== undefined) void this.#place(uri, want);
    }
  }

  async #place(uri: string, upstream: string, strict = false): Promise<void> {
    this.#placed.set(uri, upstream);
    const connection = this.aggregator.connection(upstream);
    if (!connection) return;
    // The connection speaks the upstream's era (resources/subscribe or its listen filter) and keeps
    // the subscription across restarts. A refusal is logged; when a caller waits for it (`strict`) the
    // caller gets it too (never a false success), otherwise (a URI moving upstream) the subscription stands.
    await connection.subscribeResource(uri).catch((err: unknown) => {
      this.log.warn({ uri: clip(uri), upstream, err: String(err) }, 'upstream resource subscription failed');
      if (strict) throw err;
    });
  }

  async #unplace(uri: string, upstream: string): Promise<void> {
    await this.aggregator
      .connection(upstream)
      ?.unsubscribeResource(uri)
      .catch(() => {});
  }
}

function tag(message: JsonRpcNotification, id: RequestId): JsonRpcNotification {
  return { ...message, params: { ...message.params, _meta: { ...(message.params?._meta as object), [META.subscriptionId]: id } } };
}
