export * from './gateway-tracing.js';
export * from './mcp-attributes.js';
