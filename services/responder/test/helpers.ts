import { makeAction, TOPICS, type Action, type Alert, type Receiver } from '@driftwatch/core';
import { embeddedPorts, record, type EmbeddedPorts } from '../../../test/support/embedded.js';
import { createResponder, type Responder, type ResponderOptions } from '../src/index.js';

let n = 0;

/** A trigger as the differ would publish it; the five of a rug pull share one pollId. */
export function alert(over: Partial<Alert> = {}): Alert {
  n++;
  const kind = over.kind ?? 'tool.description_changed';
  const subject = over.subject ?? `tool${n}`;
  const serverId = over.serverId ?? 'mail';
  return {
    id: `alr_${process.pid}_${n}`,
    type: 'alert',
    version: 1,
    time: new Date().toISOString(),
    serverId,
    action: 'trigger',
    dedupKey: `${serverId}|${kind}|${subject}`,
    kind,
    subject,
    severity: 'high',
    summary: `[${serverId}] ${kind} ${subject}`,
    explanation: 'x',
    remediation: 'y',
    evidence: { before: 'a', after: 'b' },
    pollId: 'poll-1',
    ...over,
  };
}

/** The five alerts of the demo's rug pull: one poll, one server. */
export function rugPull(serverId = 'mail', pollId = `poll-${Date.now()}`): Alert[] {
  return [
    alert({ serverId, pollId, kind: 'tool.description_changed', subject: 'get_fact', severity: 'high' }),
    alert({ serverId, pollId, kind: 'tool.input_schema_changed', subject: 'get_fact', severity: 'high' }),
    alert({ serverId, pollId, kind: 'content.hidden-instructions', subject: 'tools[get_fact].description', severity: 'critical', confidence: 0.9 }),
    alert({ serverId, pollId, kind: 'content.sensitive-file', subject: 'tools[get_fact].description', severity: 'high', confidence: 0.8 }),
    alert({ serverId, pollId, kind: 'server.version_changed', subject: 'version', severity: 'low' }),
  ];
}

/** A rug pull seen as drift only (no content finding): an approval resolves every alert of it. */
export function driftPull(serverId = 'mail', pollId = `poll-${Date.now()}`): Alert[] {
  return [
    alert({ serverId, pollId, kind: 'tool.description_changed', subject: 'get_fact', severity: 'high' }),
    alert({ serverId, pollId, kind: 'tool.input_schema_changed', subject: 'get_fact', severity: 'high' }),
    alert({ serverId, pollId, kind: 'tool.annotations_changed', subject: 'get_fact', severity: 'medium' }),
    alert({ serverId, pollId, kind: 'tool.added', subject: 'read_file', severity: 'medium' }),
    alert({ serverId, pollId, kind: 'server.version_changed', subject: 'version', severity: 'low' }),
  ];
}

export function resolveOf(a: Alert): Alert {
  return { ...a, id: `res_${a.id}`, action: 'resolve', time: new Date().toISOString(), summary: `[${a.serverId}] resolved`, evidence: {} };
}

export interface Harness {
  ports: EmbeddedPorts;
  responder: Responder;
  actions: Action[];
  publish(...alerts: Alert[]): Promise<void>;
  /** What the API's approve does to the store and the bus (control.ts), without a snapshot. */
  approve(serverId: string, actor?: string): Promise<void>;
  restart(extra?: Partial<ResponderOptions>): Promise<void>;
  close(): Promise<void>;
}

export const SERVERS = [
  { id: 'mail', transport: 'stdio', command: 'node', tags: ['prod', 'email'], interval: 1 },
  { id: 'docs', transport: 'stdio', command: 'node', tags: ['dev'], interval: 1 },
];

export async function harness(config: Record<string, unknown>, receivers: Receiver[], extra: Partial<ResponderOptions> = {}): Promise<Harness> {
  const ports = await embeddedPorts({ servers: SERVERS, ...config });
  const actions = await record<Action>(ports.bus, TOPICS.actions);
  const make = (more: Partial<ResponderOptions> = {}) =>
    createResponder({
      ...ports,
      receivers: new Map(receivers.map((r) => [r.name, r])),
      delivery: { baseBackoffMs: 20, maxBackoffMs: 200, scanMs: 100, timeoutMs: 2_000 },
      sweepMs: 200,
      reconcileMs: 200,
      ...extra,
      ...more,
    });
  let responder = make();
  await responder.start();
  const h: Harness = {
    ports,
    get responder() {
      return responder;
    },
    actions,
    async publish(...alerts) {
      for (const a of alerts) await ports.bus.publish(TOPICS.alerts, a.serverId, a);
    },
    async approve(serverId, actor = 'alice') {
      const time = new Date().toISOString();
      for (const stored of await ports.store.listAlerts({ serverId, status: 'open', limit: 1000 })) {
        if (stored.alert.kind.startsWith('content.')) continue;
        await ports.store.putAlert({ ...stored, status: 'resolved', resolvedAt: time, resolvedBy: `approved by ${actor}` });
      }
      await ports.bus.publish(TOPICS.actions, serverId, makeAction({ serverId, action: 'approve', actor, reason: 'reviewed', time }, [actor, time]));
    },
    async restart(more) {
      await responder.close();
      responder = make(more);
      await responder.start();
    },
    async close() {
      await responder.close();
      await ports.close();
    },
  };
  return h;
}
