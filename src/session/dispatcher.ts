import type { Clock, Logger } from '../core/index.js';
import { lazyChild, LogThrottle } from '../core/index.js';
import { errors, GatewayError, toJsonRpcError, unknownTarget, UpstreamRpcError } from '../errors/index.js';
import type { CallContext, Route } from '../pipeline/index.js';
import type { JsonRpcRequest, JsonRpcResponse, Params } from '../protocol/index.js';
import { failure, MODERN_VERSION, success } from '../protocol/index.js';
import { mcpParamDeclarations, type McpParamDeclaration } from '../protocol/mcp-param.js';
import type { Channels } from '../observability/index.js';
import type { Aggregator } from '../router/index.js';
import { callerChannel } from './caller-channel.js';
import type { CallerLists, ServedList } from './caller-lists.js';
import { publishCallEnd, publishCallStart } from './call-events.js';
import { listPage } from './list-page.js';
import type { CallerScope } from './caller-scope.js';
import { GATEWAY_CAPABILITIES, tasksRefused, type GatewayInfo } from './gateway-info.js';
import { decorateModernResult, type CacheHintDefaults } from './modern-result.js';
import type { PipelineSource } from './pipelines.js';
import { forwardParams } from './params.js';
import type { SubscriptionHub } from './subscription-hub.js';

type Handler = (req: JsonRpcRequest, scope: CallerScope) => Promise<Record<string, unknown>>;

export interface DispatcherDeps {
  readonly aggregator: Aggregator;
  readonly pipelines: PipelineSource;
  readonly hub: SubscriptionHub;
  readonly info: GatewayInfo;
  readonly clock: Clock;
  readonly log: Logger;
  readonly cacheHints: CacheHintDefaults;
  /** How long a first list request may wait for upstreams still starting. */
  readonly listWaitMs: number;
  /** Where call start/end are published (the gateway's observability channels). */
  readonly channels?: Channels;
  /** Items per page of an aggregated list (`server.listPageSize`); 0 serves each list whole. */
  readonly listPageSize?: number;
  /** Per-caller list views (the authorization rules); absent: every caller sees every list whole. */
  readonly lists?: CallerLists;
}

const LEGACY_ONLY = new Set(['ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']);
const MODERN_ONLY = new Set(['server/discover', 'subscriptions/listen']);

/**
 * Answers one JSON-RPC request from any caller, either era. Lists are served from the aggregate;
 * calls are routed and run through the route's compiled pipeline.
 */
export class Dispatcher {
  #deps: DispatcherDeps;
  #handlers: Map<string, Handler>;
  /** Warn lines for failed calls: callers choose how many calls fail (a down upstream, an open breaker). */
  #failureLog: LogThrottle;
  #seq = 0;
  #boot = Math.floor(Math.random() * 0xffffff).toString(36);

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#failureLog = new LogThrottle(deps.clock, { burst: 100, perSecond: 50 });
    const agg = deps.aggregator;
    this.#handlers = new Map<string, Handler>([
      ['ping', async () => ({})],
      ['tools/list', async (req, scope) => this.#page('tools', this.#visible('tools', (await this.#loaded()).tools.list, scope), req)],
      [
        'prompts/list',
        async (req, scope) => this.#page('prompts', this.#visible('prompts', (await this.#loaded()).prompts.list, scope), req),
      ],
      [
        'resources/list',
        async (req, scope) => this.#page('resources', this.#visible('resources', (await this.#loaded()).resources.resources, scope), req),
      ],
      [
        'resources/templates/list',
        async (req, scope) =>
          this.#page('resourceTemplates', this.#visible('resourceTemplates', (await this.#loaded()).resources.templates, scope), req),
      ],
      ['tools/call', (req, scope) => this.#named(req, scope, 'tool')],
      ['prompts/get', (req, scope) => this.#named(req, scope, 'prompt')],
      ['resources/read', (req, scope) => this.#resource(req, scope)],
      ['completion/complete', (req, scope) => this.#complete(req, scope)],
      ['logging/setLevel', async (req, scope) => deps.hub.setLogLevel(scope, req.params?.level)],
      ['resources/subscribe', async (req, scope) => deps.hub.subscribe(scope, req.params?.uri)],
      ['resources/unsubscribe', async (req, scope) => deps.hub.unsubscribe(scope, req.params?.uri)],
      ['server/discover', async () => this.#discover()],
    ]);
    void agg;
  }

  /** Handles one request; never throws — every failure becomes a JSON-RPC error response. */
  async handle(req: JsonRpcRequest, scope: CallerScope): Promise<JsonRpcResponse> {
    const modern = scope.era === 'modern';
    const handler = (modern ? LEGACY_ONLY : MODERN_ONLY).has(req.method) ? undefined : this.#handlers.get(req.method);
    try {
      if (!handler) throw req.method.startsWith('tasks/') ? tasksRefused(req.method) : errors.methodNotFound(req.method);
      const result = await handler(req, scope);
      return success(req.id, modern ? decorateModernResult(req.method, result, this.#deps.info.serverInfo, this.#deps.cacheHints) : result);
    } catch (err) {
      if (typeof err !== 'object' || err === null || !LOGGED.has(err))
        this.#logFailure(
          {
            log: lazyChild(this.#deps.log, () => ({ rpcId: req.id, method: req.method, session: scope.session?.id })),
            state: { committed: false, attempts: 0 },
          },
          err,
          0,
        );
      return failure(req.id, toJsonRpcError(err));
    }
  }

  /**
   * What this caller may see of a list (a caller never sees what it may not call); a legacy session's
   * view is remembered by the hub, so its list_changed comes only when that view changes.
   */
  #visible(list: ServedList, items: readonly unknown[], scope: CallerScope): readonly unknown[] {
    const lists = this.#deps.lists;
    if (lists === undefined) return items;
    if (scope.session !== undefined)
      this.#deps.hub.listed(scope.session, scope.principal, list === 'resourceTemplates' ? 'resources' : list);
    return lists.visible(scope.principal, list, this.#deps.aggregator);
  }

  /** Whether this caller may see a tool (placed on its upstream): names it may not see are unknown to it. */
  #sees(scope: CallerScope): (upstream: string, name: string) => boolean {
    const lists = this.#deps.lists;
    return lists === undefined ? () => true : (upstream, name) => lists.sees(scope.principal, 'tool', upstream, name);
  }

  /** One page of a list result: `{ [key]: items, nextCursor? }` for the caller's `params.cursor`. */
  #page(key: string, items: readonly unknown[], req: JsonRpcRequest): Record<string, unknown> {
    const page = listPage(items, req.params?.cursor, this.#deps.listPageSize ?? 0);
    return page.nextCursor === undefined ? { [key]: page.items } : { [key]: page.items, nextCursor: page.nextCursor };
  }

  /** The `server/discover` result (also used as the capabilities summary). */
  #discover(): Record<string, unknown> {
    const instructions = this.#deps.info.instructions();
    return {
      supportedVersions: [MODERN_VERSION],
      capabilities: GATEWAY_CAPABILITIES,
      ...(instructions ? { instructions } : {}),
    };
  }

  /** The aggregate, after waiting (bounded) for upstreams still loading their first lists. */
  async #loaded(): Promise<Aggregator> {
    const agg = this.#deps.aggregator;
    if (agg.loading) await agg.whenLoaded(this.#deps.listWaitMs);
    return agg;
  }

  /**
   * The SEP-2243 `x-mcp-header` declarations of an exposed tool (none for an unknown tool): the HTTP
   * transport checks a modern caller's `Mcp-Param-*` headers against them before the call.
   */
  async toolHeaderDeclarations(name: string): Promise<readonly McpParamDeclaration[]> {
    return mcpParamDeclarations((await this.#loaded()).tools.get(name)?.item.inputSchema);
  }

  async #named(req: JsonRpcRequest, scope: CallerScope, kind: 'tool' | 'prompt'): Promise<Record<string, unknown>> {
    const name = req.params?.name;
    if (typeof name !== 'string') throw errors.invalidParams('params.name: expected a string', { field: 'params.name' });
    const agg = this.#deps.aggregator;
    // Look up first: a known name never waits for upstreams still starting.
    let route = (kind === 'tool' ? agg.tools : agg.prompts).get(name);
    if (!route && agg.loading) {
      await this.#loaded();
      route = (kind === 'tool' ? agg.tools : agg.prompts).get(name);
    }
    if (!route) throw unknownName(agg, kind, name, 'params.name', this.#sees(scope));
    const target: Route = { upstream: route.upstream, kind, name, target: route.target };
    const mcpParams = kind === 'tool' ? mcpParamDeclarations(route.item.inputSchema) : undefined;
    return this.#run(req, scope, target, { ...req.params, name: route.target }, mcpParams);
  }

  async #resource(req: JsonRpcRequest, scope: CallerScope): Promise<Record<string, unknown>> {
    const uri = req.params?.uri;
    if (typeof uri !== 'string') throw errors.invalidParams('params.uri: expected a string', { field: 'params.uri' });
    const upstream = (await this.#loaded()).resources.route(uri);
    if (upstream === undefined) throw unknownTarget('resource', uri, 'params.uri');
    return this.#run(req, scope, { upstream, kind: 'resource', name: uri, target: uri }, req.params ?? {});
  }

  async #complete(req: JsonRpcRequest, scope: CallerScope): Promise<Record<string, unknown>> {
    const ref = req.params?.ref as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
    const agg = await this.#loaded();
    if (ref?.type === 'ref/prompt' && typeof ref.name === 'string') {
      const route = agg.prompts.get(ref.name);
      if (!route) throw unknownName(agg, 'prompt', ref.name, 'params.ref.name', this.#sees(scope));
      const params = { ...req.params, ref: { ...ref, name: route.target } };
      return this.#run(req, scope, { upstream: route.upstream, kind: 'completion', name: ref.name, target: route.target }, params);
    }
    if (ref?.type === 'ref/resource' && typeof ref.uri === 'string') {
      const upstream = agg.resources.routeTemplate(ref.uri);
      if (upstream === undefined) throw unknownTarget('resource-template', ref.uri, 'params.ref.uri');
      return this.#run(req, scope, { upstream, kind: 'completion', name: ref.uri, target: ref.uri }, req.params ?? {});
    }
    throw errors.invalidParams('params.ref: expected {type: "ref/prompt", name} or {type: "ref/resource", uri}', { field: 'params.ref' });
  }

  async #run(
    req: JsonRpcRequest,
    scope: CallerScope,
    route: Route,
    params: Params,
    mcpParams?: readonly McpParamDeclaration[],
  ): Promise<Record<string, unknown>> {
    const { clock } = this.#deps;
    // The transport's per-request controller is the call's cancellation: no second controller per call.
    const untrack = scope.session?.track(req.id, scope.controller);
    const requestId = `${this.#boot}-${(++this.#seq).toString(36)}`;
    const { params: forwarded, progressToken } = forwardParams(params);
    const ctx: CallContext = {
      requestId,
      rpcId: req.id,
      method: req.method,
      route,
      params: forwarded,
      principal: scope.principal,
      era: scope.era,
      sessionId: scope.session?.id,
      signal: scope.signal,
      deadline: Infinity,
      clock,
      log: lazyChild(this.#deps.log, () => ({
        requestId,
        session: scope.session?.id,
        principal: scope.principal.id,
        upstream: route.upstream,
        [route.kind]: route.name,
      })),
      caller: callerChannel(scope),
      state: { committed: false, attempts: 0 },
      ...(progressToken === undefined ? {} : { progressToken }),
      ...(mcpParams !== undefined && mcpParams.length > 0 && { mcpParams }),
    };
    const started = clock.now();
    const ch = this.#deps.channels;
    if (ch?.callStart.active) publishCallStart(ch, ctx, started);
    try {
      const result = await this.#deps.pipelines.forRoute(route)(ctx);
      if (this.#debug) ctx.log.debug({ ms: Math.round(clock.now() - started), attempts: ctx.state.attempts }, 'call completed');
      if (ch?.callEnd.active) publishCallEnd(ch, ctx, started, result, undefined);
      return result;
    } catch (err) {
      if (ch?.callEnd.active) publishCallEnd(ch, ctx, started, undefined, err);
      this.#logFailure(ctx, err, clock.now() - started);
      if (typeof err === 'object' && err !== null) LOGGED.add(err);
      throw err;
    } finally {
      untrack?.();
    }
  }

  /**
   * One line per failed call, bound to its request id, session, principal, upstream and tool: warn for
   * upstream faults (rate-limited, with the count suppressed), error for gateway bugs, debug for the
   * caller's own mistakes and upstream errors.
   */
  #logFailure(ctx: Pick<CallContext, 'log' | 'state'>, err: unknown, ms: number): void {
    const fields = { ms: Math.round(ms), attempts: ctx.state.attempts, err: describeError(err) };
    if (err instanceof GatewayError) {
      if (err.upstreamFault) {
        const suppressed = this.#failureLog.take();
        if (suppressed > 0) ctx.log.warn({ ...fields, suppressed }, `call failed (${suppressed} similar lines suppressed before)`);
        else if (suppressed === 0) ctx.log.warn(fields, 'call failed');
      } else if (err.code === 'GW_INTERNAL') ctx.log.error(fields, 'call failed');
      else if (this.#debug) ctx.log.debug(fields, 'call refused');
    } else if (err instanceof UpstreamRpcError) {
      if (this.#debug) ctx.log.debug(fields, 'upstream error');
    } else ctx.log.error(fields, 'call failed: unexpected error');
  }

  get #debug(): boolean {
    return this.#deps.log.isLevelEnabled?.('debug') ?? false;
  }
}

/**
 * The error for a tool or prompt name no route matches. When the name's prefix names a configured
 * upstream that is down or has not delivered its list yet, the name may well exist there: that is the
 * upstream's unavailability (GW_UPSTREAM_UNAVAILABLE, nothing was sent), not the caller's mistake.
 * It is raised before any pipeline, so it never counts against that upstream's breaker: the breaker
 * already hears the upstream's state, and callers must not be able to trip it with made-up names.
 */
function unknownName(
  agg: Aggregator,
  kind: 'tool' | 'prompt',
  name: string,
  field: string,
  sees: (upstream: string, name: string) => boolean = () => true,
): GatewayError {
  // A tool hidden by pinning (decided at list time) gets its own refusal, never "unknown" — unless the
  // caller may not call it anyway: then it is as unknown as any name it may not see.
  const blocked = kind === 'tool' ? agg.tools.blocked(name) : undefined;
  if (blocked !== undefined && sees(blocked.upstream, name))
    return new GatewayError('GW_TOOL_BLOCKED', `Tool ${name} is blocked: ${blocked.reason}`, {
      data: { field, tool: name, upstream: blocked.upstream, reason: blocked.reason },
    });
  const down = agg.unavailableOwner(name, kind === 'tool' ? 'tools' : 'prompts');
  if (down !== undefined) return errors.upstreamUnavailable(down.upstream, down.reason, false);
  return unknownTarget(kind, name, field);
}

/** Marks errors already logged with their call's context, so handle() does not log them twice. */
const LOGGED = new WeakSet<object>();

function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof GatewayError) return { code: err.code, message: err.message };
  if (err instanceof UpstreamRpcError) return { rpcCode: err.rpcCode, message: err.message };
  return err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : { value: String(err) };
}
