export * from './codes.js';
export * from './gateway-error.js';
export * from './to-json-rpc.js';
export * from './unknown-target.js';
