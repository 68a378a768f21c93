import type { BreakwaterConfig } from '../config/index.js';
import { LogThrottle, systemClock, type Clock } from '../core/index.js';
import type { Channels } from '../observability/index.js';
import type { Policy, Principal, Route } from '../pipeline/index.js';
import { noopPolicy } from '../pipeline/index.js';
import { Authorizer, createAuthorizationPolicy, ListVisibility, type AuthzTarget } from '../policies/authz/index.js';
import { RateLimiter, type RateLimitStore } from '../policies/rate-limit/index.js';
import type { Aggregator, ClientList } from '../router/index.js';
import type { CallerLists, ServedList } from '../session/index.js';
import { GcraRateLimitStore } from '../store/memory/gcra-rate-limit-store.js';

const SEE_METHOD = { tool: 'tools/call', prompt: 'prompts/get', resource: 'resources/read' } as const;

const LIST_METHOD: Record<ServedList, string> = {
  tools: 'tools/call',
  prompts: 'prompts/get',
  resources: 'resources/read',
  resourceTemplates: 'resources/read',
};

/**
 * Who may call what, and how often (issue 9 items 2–3), built once from the config: the rate-limit and
 * authorization policies at the front of every route's pipeline (in that order, ARCHITECTURE §1), and
 * the per-caller list views. Nothing is built for a section the config leaves out.
 */
export class AccessControl {
  readonly authorizer: Authorizer | undefined;
  readonly rateLimiter: RateLimiter | undefined;
  readonly lists: CallerLists | undefined;
  /** Denial and shadow-refusal log lines are bounded: callers choose how many they cause. */
  readonly #denialLog: LogThrottle;
  readonly #shadowLog: LogThrottle;

  constructor(
    config: BreakwaterConfig,
    private readonly channels?: Channels,
    store?: RateLimitStore,
    clock: Clock = systemClock,
  ) {
    this.#denialLog = new LogThrottle(clock, { burst: 100, perSecond: 20 });
    this.#shadowLog = new LogThrottle(clock, { burst: 100, perSecond: 20 });
    this.authorizer = config.authorization === undefined ? undefined : new Authorizer(config.authorization);
    const limits = config.rateLimits;
    this.rateLimiter =
      limits === undefined ? undefined : new RateLimiter(store ?? new GcraRateLimitStore({ maxKeys: limits.maxKeys }), limits);
    this.lists = this.authorizer === undefined ? undefined : callerLists(new ListVisibility(this.authorizer));
  }

  /** The route's front policies: rate limit, then authorization (no-ops when not configured). */
  policiesFor(route: Route): Policy[] {
    return [
      this.rateLimiter?.policyFor(route, this.channels?.rateLimit, this.#shadowLog) ?? noopPolicy,
      this.authorizer === undefined
        ? noopPolicy
        : createAuthorizationPolicy({
            authorizer: this.authorizer,
            route,
            logThrottle: this.#denialLog,
            ...(this.channels && { channel: this.channels.authorization }),
          }),
    ];
  }
}

/** The list views over the aggregate's current tables: each item placed on its upstream, then the rules asked. */
function callerLists(visibility: ListVisibility): CallerLists {
  const visible = (principal: Principal, list: ServedList, agg: Aggregator): readonly unknown[] => {
    const method = LIST_METHOD[list];
    switch (list) {
      case 'tools':
      case 'prompts': {
        const table = agg[list];
        const kind = list === 'tools' ? 'tool' : 'prompt';
        return visibility.filter(principal, list, table.list, (item): AuthzTarget | undefined => {
          const route = table.get(item.name);
          return route && { method, upstream: route.upstream, kind, name: item.name };
        });
      }
      case 'resources':
        return visibility.filter(principal, list, agg.resources.resources, (item): AuthzTarget | undefined => {
          const upstream = typeof item.uri === 'string' ? agg.resources.route(item.uri) : undefined;
          return upstream === undefined ? undefined : { method, upstream, kind: 'resource', name: item.uri as string };
        });
      case 'resourceTemplates':
        return visibility.filter(principal, list, agg.resources.templates, (item): AuthzTarget | undefined => {
          const t = item.uriTemplate;
          const upstream = typeof t === 'string' ? agg.resources.routeTemplate(t) : undefined;
          return upstream === undefined ? undefined : { method, upstream, kind: 'resource', name: t as string };
        });
    }
  };
  return {
    visible,
    sees: (principal, kind, upstream, name) => visibility.sees(principal, { method: SEE_METHOD[kind], upstream, kind, name }),
    fingerprint(principal: Principal, list: ClientList, agg: Aggregator): string {
      if (list !== 'resources') return visibility.fingerprint(visible(principal, list, agg));
      return `${visibility.fingerprint(visible(principal, 'resources', agg))}/${visibility.fingerprint(visible(principal, 'resourceTemplates', agg))}`;
    },
  };
}
