export * from './namespacing.js';
export * from './route-table.js';
export * from './resource-index.js';
export * from './aggregator.js';
export * from './dispatch.js';
export * from './input-bridge.js';
export * from './instructions.js';
export * from './tool-gate.js';
