import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import { AckBody, DeleteSilenceBody, IncidentQuery, ResolveBody, SilenceBody, SilenceQuery } from './incident-bodies.js';
import { ackIncident, createSilence, deleteSilence, getIncident, listIncidents, listSilences } from './incident-operations.js';
import { resolveIncident } from './incident-operations.js';
import { defineOperation, type ApiOperations } from './http/operations.js';
import type { IdParams, NoParams } from './http/schemas.js';
import type { z } from 'zod';

interface Actor {
  actor: string;
}

/** Incidents and silences (incident-operations.ts) on their routes. */
export function incidentOperations(deps: { store: StatePort; bus: BusPort; now: () => Date }): ApiOperations {
  return {
    listIncidents: defineOperation({
      query: IncidentQuery,
      summary: 'Incidents, newest first (status, serverId, minSeverity, limit, cursor)',
      run: ({ query }: { params: NoParams; query: IncidentQuery }) => listIncidents(deps, query),
    }),
    getIncident: defineOperation({
      summary: 'One incident: its alerts, timeline and deliveries per receiver',
      run: ({ params }: { params: IdParams }) => getIncident(deps, params.id),
    }),
    ackIncident: defineOperation({
      // Fastify hands a POST without a body over as null.
      body: AckBody.nullish(),
      summary: 'Acknowledge an incident; the acknowledgement reaches every receiver that saw it',
      run: ({ params, body, principal }: { params: IdParams; body: z.infer<typeof AckBody> | null | undefined; principal: Actor }) =>
        ackIncident(deps, params.id, principal.actor, body?.reason),
    }),
    resolveIncident: defineOperation({
      body: ResolveBody,
      summary: 'Resolve an incident by hand; the resolve reaches every receiver that saw it',
      run: ({ params, body, principal }: { params: IdParams; body: z.infer<typeof ResolveBody>; principal: Actor }) =>
        resolveIncident(deps, params.id, principal.actor, body.reason),
    }),
    listSilences: defineOperation({
      query: SilenceQuery,
      summary: 'Silences, with their state (pending, active, expired)',
      run: ({ query }: { params: NoParams; query: SilenceQuery }) => listSilences(deps, query),
    }),
    createSilence: defineOperation({
      body: SilenceBody,
      status: 201,
      summary: 'Silence matching alerts: recorded and visible, never notified',
      run: ({ body, principal }: { params: NoParams; body: SilenceBody; principal: Actor }) => createSilence(deps, body, principal.actor),
    }),
    deleteSilence: defineOperation({
      body: DeleteSilenceBody.nullish(),
      summary: 'End a silence',
      run: ({ params, body, principal }: { params: IdParams; body: z.infer<typeof DeleteSilenceBody> | null | undefined; principal: Actor }) =>
        deleteSilence(deps, params.id, principal.actor, body?.reason),
    }),
  };
}
