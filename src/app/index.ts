export * from './gateway.js';
export * from './pipeline-compiler.js';
export * from './policy-scope.js';
