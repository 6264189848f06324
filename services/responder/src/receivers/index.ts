import type { Receiver, Receivers } from '@driftwatch/core';
import type { ReceiverDeps } from './deps.js';
import { createOcsfReceiver } from './ocsf-receiver.js';
import { createPagerDutyReceiver } from './pagerduty.js';
import { createSlackReceiver } from './slack.js';
import { createWebhookReceiver } from './webhook.js';

/**
 * Builds every configured receiver (`config.receivers`, validated by core's `Receivers`).
 * Receivers translate a Notification and make one bounded call; they decide nothing (the
 * incident engine does) and never throw from `deliver`: the outcome says ok, retryable or
 * permanent. Errors and logs name a receiver as "<type> receiver <name>", never its URL or key.
 */
export function createReceivers(receiversConfig: Receivers, deps: ReceiverDeps): Map<string, Receiver> {
  const out = new Map<string, Receiver>();
  for (const [name, config] of Object.entries(receiversConfig)) {
    switch (config.type) {
      case 'pagerduty':
        out.set(name, createPagerDutyReceiver(name, config, deps));
        break;
      case 'slack':
        out.set(name, createSlackReceiver(name, config, deps));
        break;
      case 'webhook':
        out.set(name, createWebhookReceiver(name, config, deps));
        break;
      case 'ocsf':
        out.set(name, createOcsfReceiver(name, config, deps, deps.productVersion ? { productVersion: deps.productVersion } : {}));
        break;
    }
  }
  return out;
}

export type { ReceiverDeps } from './deps.js';
export type { FetchLike } from './http.js';
export { createPagerDutyReceiver, pagerDutyEvent, PD_SEVERITY, PD_MAX_EVENT_BYTES, type PagerDutyEvent } from './pagerduty.js';
export { createSlackReceiver, slackMessage, SLACK_LIMITS, type SlackMessage } from './slack.js';
export { createWebhookReceiver, webhookBody, WEBHOOK_MAX_BODY_BYTES } from './webhook.js';
export {
  verifyWebhookSignature,
  signWebhook,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  IDEMPOTENCY_HEADER,
  DEFAULT_TOLERANCE_SECONDS,
  type VerifyResult,
} from './webhook-signature.js';
export { createOcsfReceiver, type OcsfReceiverOptions } from './ocsf-receiver.js';
export { detectionFinding, OCSF_VERSION, OCSF_ACTIVITY, OCSF_SEVERITY, OCSF_STATUS } from './ocsf.js';
