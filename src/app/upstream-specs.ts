import type { UpstreamConfig } from '../config/index.js';
import type { UpstreamSpec } from '../upstream/index.js';

/** Every replica of an upstream as connection specs: the upstream's own endpoint first, then `replicas`. */
export function upstreamSpecs(name: string, upstream: UpstreamConfig): UpstreamSpec[] {
  const base = {
    era: upstream.era,
    restart: upstream.restart,
  };
  const endpoints: { command?: string | undefined; args?: readonly string[]; env?: Readonly<Record<string, string>>; cwd?: string | undefined; url?: string | undefined; headers?: Readonly<Record<string, string>> }[] = [];
  if (upstream.command !== undefined || upstream.url !== undefined) endpoints.push(upstream);
  endpoints.push(...upstream.replicas);
  return endpoints.map((e, i) => {
    const kind = e.url === undefined ? 'stdio' : upstream.transport === 'stdio' ? 'streamable-http' : upstream.transport;
    const spec: { -readonly [K in keyof UpstreamSpec]: UpstreamSpec[K] } = { ...base, name: endpoints.length > 1 ? `${name}#${i}` : name, kind };
    if (e.command !== undefined) spec.command = e.command;
    if (e.args !== undefined) spec.args = e.args;
    if (e.env !== undefined) spec.env = e.env;
    if (e.cwd !== undefined) spec.cwd = e.cwd;
    if (e.url !== undefined) spec.url = e.url;
    if (e.headers !== undefined) spec.headers = e.headers;
    return spec;
  });
}
