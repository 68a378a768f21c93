export * from './cache-key.js';
export * from './cache-policy.js';
export * from './cache-store.js';
