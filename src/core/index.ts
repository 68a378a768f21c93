export * from './clock.js';
export * from './manual-clock.js';
export * from './random.js';
export * from './abort.js';
export * from './events.js';
export * from './logger.js';
export * from './json-limits.js';
export * from './log-throttle.js';
