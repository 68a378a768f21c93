import type { Transport } from './transport.js';
import type { UpstreamConfig } from './types.js';

/** One endpoint to connect to, with the upstream's env/headers merged in. */
export interface ResolvedReplica {
  readonly transport: Transport;
  readonly command?: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly url?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly weight: number;
}

/**
 * Every endpoint of an upstream: its own command/url first (replica 0, weight 1) when present, then
 * `replicas`. A replica inherits the upstream's env, headers and cwd (its own entries win), so shared
 * credentials are written once.
 */
export function upstreamReplicas(upstream: UpstreamConfig): ResolvedReplica[] {
  const own = upstream.command !== undefined || upstream.url !== undefined ? [{ ...upstream, env: {}, headers: {}, weight: 1 }] : [];
  return [...own, ...upstream.replicas].map((r) => ({
    transport: upstream.transport,
    ...(r.command !== undefined && { command: r.command }),
    args: r.args,
    env: { ...upstream.env, ...r.env },
    ...((r.cwd ?? upstream.cwd) !== undefined && { cwd: r.cwd ?? upstream.cwd }),
    ...(r.url !== undefined && { url: r.url }),
    headers: { ...upstream.headers, ...r.headers },
    weight: r.weight,
  }));
}
