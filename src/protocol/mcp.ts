/** Protocol revisions and the per-request `_meta` keys of the modern era. */
export const MODERN_VERSION = '2026-07-28';
export const LATEST_LEGACY_VERSION = '2025-11-25';
export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'] as const;
export const MODERN_VERSIONS = [MODERN_VERSION] as const;

export type Era = 'legacy' | 'modern';

export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** Methods the modern era removed; a modern caller gets 404 / -32601 for them. */
export const REMOVED_IN_MODERN = new Set(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']);

/** Methods whose `params.name` / `params.uri` is the Mcp-Name header in the modern era. */
export const NAMED_METHODS: Record<string, 'name' | 'uri'> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

/** Log levels in increasing severity (RFC 5424 order as MCP uses it). */
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** True when `level` is at least as severe as `threshold`. */
export function logLevelAtLeast(level: string, threshold: string): boolean {
  return LOG_LEVELS.indexOf(level as LogLevel) >= LOG_LEVELS.indexOf(threshold as LogLevel);
}

/** Tool and prompt names: 1–128 chars of [A-Za-z0-9_.-] (spec "Tool names"). */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

/** Server→client request methods relayed to the caller's session. */
export const SERVER_TO_CLIENT_METHODS: Record<string, 'sampling' | 'elicitation' | 'roots'> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};
