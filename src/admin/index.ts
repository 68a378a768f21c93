export * from './admin-auth.js';
export * from './admin-server.js';
