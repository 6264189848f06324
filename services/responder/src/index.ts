export { createResponder, type Responder, type ResponderOptions } from './responder.js';
export { createLogPager, createWebhookPager, type Pager } from './pager.js';
export { onceAndAnnounce } from './announce.js';
