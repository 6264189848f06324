export { createResponder, type Responder, type ResponderOptions } from './responder.js';
export { createLogPager, createWebhookPager, type Pager } from './pager.js';
export { makeAction, onceAndAnnounce, type ActionInput } from './announce.js';
