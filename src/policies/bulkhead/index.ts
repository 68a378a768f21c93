export * from './bulkhead.js';
export * from './bulkhead-policy.js';
