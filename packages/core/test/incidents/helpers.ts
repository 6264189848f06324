import type { Alert, FlushContext, IncidentRecord } from '../../src/index.js';
import { flapRuleFor, INCIDENT_DEFAULTS, openIncident } from '../../src/index.js';

export const T0 = Date.parse('2026-03-01T10:00:00.000Z');
export const at = (ms: number) => new Date(T0 + ms);

let n = 0;
export function alert(over: Partial<Alert> = {}): Alert {
  n++;
  const kind = over.kind ?? 'tool.description_changed';
  const subject = over.subject ?? `t${n}`;
  return {
    id: `a${n}`,
    type: 'alert',
    version: 1,
    time: at(0).toISOString(),
    serverId: 'mail',
    action: 'trigger',
    dedupKey: `mail|${kind}|${subject}`,
    kind,
    subject,
    severity: 'high',
    summary: `[mail] ${kind} ${subject}`,
    explanation: 'e',
    remediation: 'r',
    evidence: {},
    pollId: 'p1',
    ...over,
  };
}

export const TIMING = { groupWaitS: 5, groupIntervalS: 60, repeatIntervalS: 3600 };

export function open(a: Alert = alert(), receivers = ['pd'], now = at(0)): IncidentRecord {
  return openIncident({ alert: a, groupKey: 'mail', receivers, timing: TIMING, tags: ['prod'], flap: flapRuleFor(INCIDENT_DEFAULTS.flap, a.kind), now });
}

export function ctx(over: Partial<FlushContext> = {}): FlushContext {
  return {
    flapOf: (kind) => flapRuleFor(INCIDENT_DEFAULTS.flap, kind),
    silences: [],
    inhibition: {},
    observation: { pollIntervalS: 60 },
    ...over,
  };
}
