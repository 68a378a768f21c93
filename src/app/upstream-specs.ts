import { upstreamReplicas, type UpstreamConfig } from '../config/index.js';
import type { UpstreamSpec } from '../upstream/index.js';

/** Every replica of an upstream as a connection spec (replica 0 is the upstream's own endpoint). */
export function upstreamSpecs(name: string, upstream: UpstreamConfig): UpstreamSpec[] {
  const replicas = upstreamReplicas(upstream);
  return replicas.map((r, i) => ({
    name: replicas.length > 1 ? `${name}#${i}` : name,
    kind: r.transport,
    era: upstream.era,
    restart: upstream.restart,
    args: r.args,
    env: r.env,
    headers: r.headers,
    ...(r.command !== undefined && { command: r.command }),
    ...(r.cwd !== undefined && { cwd: r.cwd }),
    ...(r.url !== undefined && { url: r.url }),
  }));
}
