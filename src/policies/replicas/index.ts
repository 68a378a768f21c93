export * from './fallback-policy.js';
export * from './outlier-ejection.js';
export * from './replica-events.js';
export * from './replica-group.js';
export * from './replica-picker.js';
export * from './replica-policy.js';
export type { ReplicaChoice, ReplicaSet } from './replica-set.js';
