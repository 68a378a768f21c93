import { upstreamReplicas, type ResolvedPolicyScope, type UpstreamConfig } from '../config/index.js';
import type { UpstreamSpec } from '../upstream/index.js';

/**
 * Every replica of an upstream as a connection spec (replica 0 is the upstream's own endpoint). The
 * upstream scope's `healthCheck` (interval 0 = off) is given to every replica, so a replica failing it
 * is reported 'down' and its breaker opens (see resilience-wiring.ts).
 */
export function upstreamSpecs(name: string, upstream: UpstreamConfig, healthCheck?: ResolvedPolicyScope['healthCheck']): UpstreamSpec[] {
  const replicas = upstreamReplicas(upstream);
  return replicas.map((r, i) => ({
    name: replicas.length > 1 ? `${name}#${i}` : name,
    kind: r.transport,
    era: upstream.era,
    connectTimeoutMs: upstream.connectTimeoutMs,
    restart: upstream.restart,
    maxMessageBytes: upstream.maxMessageBytes,
    maxJsonDepth: upstream.maxJsonDepth,
    args: r.args,
    env: r.env,
    ...(upstream.roots !== undefined && { roots: upstream.roots }),
    headers: r.headers,
    ...(r.command !== undefined && { command: r.command }),
    ...(r.cwd !== undefined && { cwd: r.cwd }),
    ...(r.url !== undefined && { url: r.url }),
    // One token per upstream: every replica's spec carries the same (frozen) auth object (see oauth/shared-source.ts).
    ...(upstream.auth !== undefined && r.transport === 'streamable-http' && { auth: upstream.auth }),
    ...(r.transport === 'stdio' && upstream.sandbox?.enabled === true && { sandbox: upstream.sandbox }),
    ...(healthCheck !== undefined &&
      healthCheck.intervalMs > 0 && {
        healthCheck: { intervalMs: healthCheck.intervalMs, timeoutMs: healthCheck.timeoutMs, method: healthCheck.method },
      }),
  }));
}
