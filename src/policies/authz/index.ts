export * from './rule-model.js';
export * from './compile-rules.js';
export * from './authorizer.js';
export * from './authz-policy.js';
export * from './list-visibility.js';
