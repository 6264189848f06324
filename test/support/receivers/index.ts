// Strict receiver doubles (HTTP servers on 127.0.0.1, port 0) and the OCSF schema, shared by
// the receivers' tests and the incident engine's tests.
export { DoubleServer, type ScriptedAnswer, type RecordedRequest, type Answer } from './double-server.js';
export { PagerDutyDouble, type PagerDutyEventSeen } from './pagerduty-double.js';
export { SlackDouble } from './slack-double.js';
export { WebhookDouble } from './webhook-double.js';
export { HecDouble, JsonSinkDouble } from './hec-double.js';
export { ocsfProblems } from './ocsf-validator.js';
export { DETECTION_FINDING_SCHEMA } from './ocsf-detection-finding.schema.js';
export { incidentView, notification } from './fixtures.js';
