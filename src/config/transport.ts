/** How the gateway talks to an upstream. */
export const TRANSPORTS = ['stdio', 'streamable-http', 'sse'] as const;
export type Transport = (typeof TRANSPORTS)[number];

type Endpoint = { command?: unknown; url?: unknown } | null | undefined;

/** The transport an endpoint implies: a command is stdio; a URL whose path ends in /sse is legacy SSE. */
export function transportOf(endpoint: Endpoint): Transport | undefined {
  if (typeof endpoint?.command === 'string') return 'stdio';
  if (typeof endpoint?.url !== 'string') return undefined;
  const path = endpoint.url.split(/[?#]/)[0] ?? '';
  return /\/sse\/?$/.test(path) ? 'sse' : 'streamable-http';
}

/** The upstream's transport when not declared: from its own endpoint, else from its first replica. */
export function inferTransport(upstream: Endpoint & { replicas: readonly Endpoint[] }): Transport {
  return transportOf(upstream) ?? transportOf(upstream.replicas[0]) ?? 'stdio';
}
