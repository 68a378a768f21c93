export * from './http-server.js';
export * from './mcp-endpoint.js';
export * from './origin-guard.js';
