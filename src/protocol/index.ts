export * from './json-rpc.js';
export * from './mcp.js';
