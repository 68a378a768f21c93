export * from './audit-gate-policy.js';
