export * from './channels.js';
export * from './logger.js';
