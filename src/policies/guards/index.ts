export * from './guard.js';
export * from './guard-policy.js';
export * from './json-pointer.js';
export * from './registry.js';
export * from './length-guard.js';
export * from './schema/schema-compiler.js';
export * from './schema/schema-guard.js';
export * from './schema/safe-regexp.js';
