export * from './gateway-metrics.js';
export * from './label-cap.js';
export * from './state-source.js';
