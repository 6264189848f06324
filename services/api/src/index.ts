export { createApiHandler, type ApiOptions } from './routes.js';
export { approve, release, ConflictError } from './control.js';
export {
  listIncidents,
  getIncident,
  ackIncident,
  resolveIncident,
  createSilence,
  listSilences,
  deleteSilence,
  NotFoundError,
  InvalidInputError,
  ALL_SERVERS,
  type IncidentOpsDeps,
  type IncidentSummary,
  type IncidentDetail,
  type DeliveryView,
  type SilenceState,
} from './incident-operations.js';
export { IncidentQuery, AckBody, ResolveBody, SilenceBody, SilenceQuery, DeleteSilenceBody } from './incident-bodies.js';
