export { startApp, ROLES, UsageError, type App, type AppOptions, type Role } from './app.js';
export { main } from './main.js';
