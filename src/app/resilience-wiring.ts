import type { Logger } from '../core/index.js';
import type { CircuitBreaker } from '../resilience/index.js';
import type { Aggregator } from '../router/index.js';
import type { UpstreamConnection } from '../upstream/index.js';
import type { PipelineCompiler } from './pipeline-compiler.js';

/**
 * Feeds the upstream layer's lifecycle into the replicas' breakers. A replica reported 'down' (a stdio
 * child in a crash loop, or an upstream failing its active health check) trips its breaker at once, so
 * calls fail fast or fail over instead of each waiting for its own error. Nothing forces the breaker
 * closed again: once the replica is 'ready', the breaker's open time runs out and it probes half-open as
 * usual (the probes, not the health verdict, decide), so a flapping upstream cannot slam traffic back.
 * Returns the function that stops listening.
 */
export function feedBreakers(connections: readonly UpstreamConnection[], breakers: readonly CircuitBreaker[], log: Logger): () => void {
  const offs = connections.map((connection, i) =>
    connection.events.on('state', ({ state, reason }) => {
      const breaker = breakers[i];
      if (!breaker || state !== 'down' || breaker.state === 'open') return;
      log.warn({ upstream: connection.name, breaker: breaker.name, reason }, 'upstream down: opening its circuit breaker');
      breaker.trip(reason === undefined ? 'upstream-down' : `upstream-down: ${reason}`);
    }),
  );
  return () => {
    for (const off of offs) off();
  };
}

/** What wireResilience connects. */
export interface ResilienceWiring {
  readonly aggregator: Aggregator;
  readonly pipelines: PipelineCompiler;
  readonly upstreams: ReadonlyMap<string, readonly UpstreamConnection[]>;
  readonly log: Logger;
}

/**
 * Connects the events the resilience layer reacts to: list changes recompile tool pipelines and
 * invalidate cached results of that kind, resource updates drop that resource's cached reads, and
 * upstream lifecycle feeds the breakers. Returns the function that disconnects everything.
 */
export function wireResilience(w: ResilienceWiring): () => void {
  const failed = (what: string) => (err: unknown) =>
    w.log.warn({ err: err instanceof Error ? err.message : String(err) }, `cache invalidation after ${what} failed`);
  const offs = [
    w.aggregator.events.on('changed', ({ kind, upstream }) => void w.pipelines.listChanged(upstream, kind).catch(failed('list change'))),
    w.aggregator.events.on(
      'resourceUpdated',
      ({ upstream, uri }) => void w.pipelines.resourceUpdated(upstream, uri).catch(failed('resource update')),
    ),
  ];
  for (const [name, connections] of w.upstreams) offs.push(feedBreakers(connections, w.pipelines.resilience.get(name).breakers, w.log));
  return () => {
    for (const off of offs) off();
  };
}
