import type { BreakwaterConfig } from '../config/index.js';
import type { Next, Policy, Route } from '../pipeline/index.js';
import { compose } from '../pipeline/index.js';
import { createTimeoutPolicy } from '../policies/timeout/timeout-policy.js';
import type { PipelineSource } from '../session/index.js';
import { resolveScope } from './policy-scope.js';

/**
 * Compiles each route's pipeline once and caches it. Tools get their own pipeline (tool scope);
 * resources, prompts and completions share one per upstream, since their names are unbounded.
 */
export class PipelineCompiler implements PipelineSource {
  #cache = new Map<string, Next>();

  constructor(
    private readonly config: BreakwaterConfig,
    private readonly terminal: Next,
  ) {}

  forRoute(route: Route): Next {
    const key = route.kind === 'tool' ? `${route.upstream}\0tool\0${route.target}` : `${route.upstream}\0${route.kind}`;
    let next = this.#cache.get(key);
    if (!next) {
      next = compose(this.policiesFor(route), this.terminal);
      this.#cache.set(key, next);
    }
    return next;
  }

  /** The ordered policies of a route, outermost first (ARCHITECTURE §1). */
  policiesFor(route: Route): Policy[] {
    const scope = resolveScope(this.config, route.upstream, route.kind === 'tool' ? route.target : undefined);
    return [createTimeoutPolicy({ timeoutMs: scope.timeoutMs, scope: 'deadline' })];
  }

  /** Forgets compiled pipelines (config reload). */
  clear(): void {
    this.#cache.clear();
  }
}
