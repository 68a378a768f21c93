export * from './edge-hook.js';
export * from './ip-filter.js';
export * from './security-headers.js';
export * from './tls-files.js';
