export * from './call-context.js';
export * from './policy.js';
export * from './compose.js';
