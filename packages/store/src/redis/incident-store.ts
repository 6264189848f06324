import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  DeliveryRecordSchema,
  IncidentRecordSchema,
  SilenceSchema,
  deliveryIsOpen,
  incidentNeedsAttention,
  type DeliveryRecord,
  type IncidentRecord,
  type Silence,
} from '@driftwatch/core';
import { decode } from '../codec.js';
import { EVENT_RETAIN_COUNT, encodeNewEvent } from '../events/event.js';
import { incidentEvent, statusChange } from '../events/incident-event.js';
import { byDeliveryOrder, incidentLimit, incidentScore, matchesIncidentFilter } from '../incident-filter.js';
import { MAX_SILENCES, type IncidentFilter, type IncidentStatePort } from '../incidents-port.js';
import { eventsKey } from './event-log.js';
import { PUT_INCIDENT, PUT_SILENCE, WRITE_DELIVERY } from './incident-scripts.js';

/** Resolved incidents with nothing left to deliver, and finished deliveries, expire after this. */
export const INCIDENT_RETENTION_MS = 30 * 24 * 3600 * 1000;

function incidentKeys(p: string) {
  return {
    incident: (id: string) => `${p}incident:${id}`,
    version: (id: string) => `${p}incident:${id}:v`,
    /** `<status>|<severity>` as of the last write: what decides its `incident` event. */
    eventState: (id: string) => `${p}incident:${id}:ev`,
    events: eventsKey(p),
    /** Sorted sets of incident ids, score = openedAt in ms. */
    all: `${p}incidents`,
    byServer: (id: string) => `${p}incidents:server:${id}`,
    /** Ids the responder still has work on. */
    attention: `${p}incidents:attention`,
    openByGroup: (groupKey: string) => `${p}incident-open:${groupKey}`,
    silences: `${p}silences`,
    delivery: (key: string) => `${p}delivery:${key}`,
    deliveriesOf: (incidentId: string) => `${p}deliveries:incident:${incidentId}`,
    openDeliveries: `${p}deliveries:open`,
  };
}

const SCRIPTS = {
  dwPutIncident: { lua: PUT_INCIDENT, numberOfKeys: 8 },
  dwWriteDelivery: { lua: WRITE_DELIVERY, numberOfKeys: 3 },
  dwPutSilence: { lua: PUT_SILENCE, numberOfKeys: 1 },
} as const;

/** The Redis store's IncidentStatePort, on the adapter's connection and key prefix; `now` stamps its events. */
export function createRedisIncidentStore(redis: Redis, prefix: string, log: Logger, now: () => Date): IncidentStatePort {
  const k = incidentKeys(prefix);
  for (const [name, def] of Object.entries(SCRIPTS)) redis.defineCommand(name, def);
  const run = (name: keyof typeof SCRIPTS, keys: string[], args: Array<string | number>): Promise<unknown> => {
    const fn = (redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[name]!;
    return fn.call(redis, ...keys, ...args);
  };

  /** Fetches and validates values; unreadable ones are logged and skipped, missing ones reported. */
  async function fetchMany<T>(keys: string[], schema: z.ZodType<T>): Promise<Array<T | null>> {
    if (keys.length === 0) return [];
    const raws = await redis.mget(...keys);
    return raws.map((raw, i) => {
      if (raw === null || raw === undefined) return null;
      try {
        return decode(keys[i]!, raw, schema);
      } catch (err) {
        log.warn({ key: keys[i], err: (err as Error).message }, 'skipping unreadable incident value');
        return null;
      }
    });
  }

  async function getOne<T>(key: string, schema: z.ZodType<T>): Promise<T | null> {
    const raw = await redis.get(key);
    return raw === null ? null : decode(key, raw, schema);
  }

  /** The event JSON for a new incident or status, and for a new severity; '' when one does not encode. */
  function incidentEvents(r: IncidentRecord): [string, string] {
    const time = now().toISOString();
    const encode = (change: Parameters<typeof incidentEvent>[1]): string => {
      try {
        return encodeNewEvent(incidentEvent(r, change, time), time);
      } catch (err) {
        // The write goes ahead: an incident is worth more than its announcement.
        log.warn({ err: (err as Error).message, type: 'incident', incidentId: r.id }, 'event not recorded');
        return '';
      }
    };
    return [encode(statusChange(r.status)), encode('severity')];
  }

  async function writeDelivery(d: DeliveryRecord, mode: 'create' | 'put'): Promise<boolean> {
    const open = deliveryIsOpen(d);
    const res = await run(
      'dwWriteDelivery',
      [k.delivery(d.key), k.deliveriesOf(d.incidentId), k.openDeliveries],
      [JSON.stringify(d), d.key, mode, open ? '1' : '0', open ? 0 : INCIDENT_RETENTION_MS],
    );
    return res === 1;
  }

  return {
    getIncident: (id) => getOne(k.incident(id), IncidentRecordSchema),

    async getOpenIncidentByGroupKey(groupKey) {
      const id = await redis.get(k.openByGroup(groupKey));
      if (id === null) return null;
      const r = await getOne(k.incident(id), IncidentRecordSchema);
      return r && r.status !== 'resolved' && r.groupKey === groupKey ? r : null;
    },

    async putIncident(record, expectedVersion) {
      const next: IncidentRecord = { ...record, version: expectedVersion + 1 };
      const attention = incidentNeedsAttention(next);
      // The script picks one of the two (or neither): only it sees the state before the write.
      const [onStatus, onSeverity] = incidentEvents(next);
      const res = await run(
        'dwPutIncident',
        [k.incident(next.id), k.version(next.id), k.all, k.byServer(next.serverId), k.attention, k.openByGroup(next.groupKey), k.eventState(next.id), k.events],
        [
          JSON.stringify(next),
          expectedVersion,
          next.id,
          incidentScore(next),
          attention ? '1' : '0',
          next.status,
          attention ? 0 : INCIDENT_RETENTION_MS,
          `${next.status}|${next.severity}`,
          onStatus,
          onSeverity,
          EVENT_RETAIN_COUNT,
        ],
      );
      return res === 1 ? next : null;
    },

    async listIncidents(filter?: IncidentFilter) {
      const limit = incidentLimit(filter);
      if (limit === 0) return [];
      const index = filter?.serverId !== undefined ? k.byServer(filter.serverId) : k.all;
      const max = filter?.before ? String(incidentScore(filter.before)) : '+inf';
      const page = Math.min(500, Math.max(50, limit * 2));
      const out: IncidentRecord[] = [];
      for (let offset = 0; out.length < limit; offset += page) {
        const flat = await redis.zrevrangebyscore(index, max, '-inf', 'LIMIT', offset, page);
        const records = await fetchMany(flat.map((id) => k.incident(id)), IncidentRecordSchema);
        const missing: string[] = [];
        records.forEach((r, i) => {
          if (!r) missing.push(flat[i]!);
          else if (out.length < limit && matchesIncidentFilter(r, filter)) out.push(r);
        });
        // Expired incidents leave their ids behind in the indexes.
        if (missing.length) await redis.zrem(index, ...missing);
        if (flat.length < page) break;
        offset -= missing.length;
      }
      return out;
    },

    async listIncidentsNeedingAttention(limit = 1000) {
      const ids = (await redis.srandmember(k.attention, Math.max(0, limit))) as string[];
      const records = await fetchMany(ids.map((id) => k.incident(id)), IncidentRecordSchema);
      return records.filter((r): r is IncidentRecord => r !== null);
    },

    async putSilence(silence) {
      const res = await run('dwPutSilence', [k.silences], [silence.id, JSON.stringify(silence), MAX_SILENCES]);
      if (res !== 1) throw new RangeError(`at most ${MAX_SILENCES} silences are kept; delete expired ones first`);
    },

    async getSilence(id) {
      const raw = await redis.hget(k.silences, id);
      return raw === null ? null : decode(`${k.silences}#${id}`, raw, SilenceSchema);
    },

    async listSilences() {
      const all = await redis.hgetall(k.silences);
      const out: Silence[] = [];
      for (const [id, raw] of Object.entries(all)) {
        try {
          out.push(decode(`${k.silences}#${id}`, raw, SilenceSchema));
        } catch (err) {
          log.warn({ silenceId: id, err: (err as Error).message }, 'skipping unreadable silence');
        }
      }
      return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
    },

    async deleteSilence(id) {
      const [[, raw], [, removed]] = (await redis.multi().hget(k.silences, id).hdel(k.silences, id).exec()) as [[Error | null, string | null], [Error | null, number]];
      if (!removed || raw === null) return null;
      try {
        return decode(`${k.silences}#${id}`, raw, SilenceSchema);
      } catch {
        return null;
      }
    },

    createDelivery: (d) => writeDelivery(d, 'create'),
    async putDelivery(d) {
      await writeDelivery(d, 'put');
    },
    getDelivery: (key) => getOne(k.delivery(key), DeliveryRecordSchema),

    async listDeliveries(incidentId) {
      const keys = await redis.smembers(k.deliveriesOf(incidentId));
      const records = await fetchMany(keys.map((key) => k.delivery(key)), DeliveryRecordSchema);
      return records.filter((d): d is DeliveryRecord => d !== null).sort(byDeliveryOrder);
    },

    async listOpenDeliveries(limit = 1000) {
      const keys = (await redis.srandmember(k.openDeliveries, Math.max(0, limit))) as string[];
      const records = await fetchMany(keys.map((key) => k.delivery(key)), DeliveryRecordSchema);
      const gone = keys.filter((_, i) => records[i] === null);
      if (gone.length) await redis.srem(k.openDeliveries, ...gone);
      return records.filter((d): d is DeliveryRecord => d !== null && deliveryIsOpen(d));
    },
  };
}
