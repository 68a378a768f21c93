export * from './json-rpc.js';
export * from './mcp.js';
export * from './mcp-param.js';
