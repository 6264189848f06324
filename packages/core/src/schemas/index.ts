export * from './envelope.js';
export * from './json-value.js';
export * from './snapshot.js';
export * from './alert.js';
export * from './action.js';
export * from './baseline.js';
export * from './secret-exposure.js';
export * from './api-key.js';
