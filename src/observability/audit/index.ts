export * from './audit-writer.js';
export * from './redact-args.js';
