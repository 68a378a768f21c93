export * from './attempt-timeout-policy.js';
export * from './deadline-policy.js';
