export * from './rate-limit-store.js';
export * from './rate-limits.js';
export * from './rate-limit-policy.js';
