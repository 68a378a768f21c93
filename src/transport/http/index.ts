export * from './http-server.js';
export * from './mcp-endpoint.js';
export * from './origin-guard.js';
export * from './legacy-sse-endpoint.js';
export { StreamRegistry, type StreamSettings } from './resumable-streams.js';
