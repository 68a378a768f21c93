/** Variables a stdio child inherits from the gateway; everything else must be configured explicitly. */
export const INHERITED_ENV = ['PATH', 'HOME', 'LOGNAME', 'SHELL', 'TERM', 'USER', 'LANG', 'TMPDIR'] as const;

/**
 * The environment of a stdio child: the allowlist from `parent` with the configured `env` merged
 * over it. Secrets in the gateway's environment (and NODE_OPTIONS & co.) never leak to upstreams.
 */
export function buildChildEnv(
  configured: Readonly<Record<string, string>> | undefined,
  parent: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV) {
    const value = parent[key];
    if (value !== undefined) env[key] = value;
  }
  return configured === undefined ? env : Object.assign(env, configured);
}
