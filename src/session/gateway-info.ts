import { clip } from '../core/index.js';
import { GatewayError } from '../errors/index.js';
import { LATEST_LEGACY_VERSION, LEGACY_VERSIONS } from '../protocol/index.js';

/** What the gateway says about itself at initialize / server/discover. */
export interface GatewayInfo {
  readonly serverInfo: { name: string; version: string };
  readonly instructions: () => string | undefined;
}

/**
 * The gateway's capabilities: stable, so clients may rely on them before every upstream is up. Never
 * `tasks`: tasks are refused consistently (see {@link tasksRefused}), and a `task` request parameter is
 * ignored as the spec asks of a receiver without the capability.
 */
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

/** The one answer to every `tasks/*` method, in both eras: -32601, naming the method and why. */
export function tasksRefused(method: string): GatewayError {
  return new GatewayError(
    'GW_METHOD_NOT_FOUND',
    `Method not found: ${clip(method)} (Breakwater does not support tasks; requests sent with a \`task\` parameter run normally and return their result)`,
    { data: { method, feature: 'tasks' } },
  );
}
