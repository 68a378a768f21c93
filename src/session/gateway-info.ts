import { LATEST_LEGACY_VERSION, LEGACY_VERSIONS } from '../protocol/index.js';

/** What the gateway says about itself at initialize / server/discover. */
export interface GatewayInfo {
  readonly serverInfo: { name: string; version: string };
  readonly instructions: () => string | undefined;
}

/** The gateway's capabilities: stable, so clients may rely on them before every upstream is up. */
export const GATEWAY_CAPABILITIES = Object.freeze({
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  completions: {},
  logging: {},
});

/** The legacy version to speak: the caller's if supported, else the latest legacy one (spec negotiation). */
export function negotiateLegacyVersion(requested: unknown): string {
  return typeof requested === 'string' && (LEGACY_VERSIONS as readonly string[]).includes(requested) ? requested : LATEST_LEGACY_VERSION;
}
