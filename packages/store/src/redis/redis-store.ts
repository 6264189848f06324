import { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Logger } from 'pino';
import {
  SEVERITIES,
  deriveStatus,
  severityRank,
  type Baseline as BaselineT,
  type QuarantineRecord,
  type ServerState,
  type ServerStatus,
  type Snapshot as SnapshotT,
  type StoredAlert,
} from '@driftwatch/core';
import {
  Action,
  Baseline,
  OpenFindingsSchema,
  QuarantineRecordSchema,
  ServerStateFieldSchemas,
  Snapshot,
  StoredAlertSchema,
  decode,
  patchEntries,
  type ServerStateField,
} from '../codec.js';
import {
  AUDIT_CAP,
  DEFAULT_AUDIT_LIMIT,
  MAX_ALERT_LIMIT,
  alertLimit,
  alertScore,
  clampLimit,
  matchesFilter,
} from '../alert-filter.js';
import {
  AUDIT_PRUNE_BATCH,
  AUDIT_PRUNE_BATCHES_PER_RUN,
  DEFAULT_MAINTENANCE_INTERVAL_MS,
  checkInterval,
  pageLimit,
  retentionMs,
  type AuditPage,
  type AuditPageQuery,
} from '../audit/audit-page.js';
import { CorruptValueError } from '../errors.js';
import { EVENT_RETAIN_COUNT, EVENT_RETAIN_MS, actionEvent, alertEvent, encodeNewEvent, statusEvent, type NewDriftEvent } from '../events/event.js';
import { startMaintenance } from '../maintenance.js';
import type { AlertFilter, JsonBlob, OpenFinding, StatePort } from '../port.js';
import { createRedisAuditLog } from './audit-log.js';
import { createRedisEventLog } from './event-log.js';
import { redisKeys } from './keys.js';
import { walkNewestFirst } from './zset-walk.js';
import { createRedisApiKeys } from './api-keys.js';
import { ACQUIRE_LEASE, QUARANTINE, RELEASE, WRITE_ALERT } from './scripts.js';
import { redisToolRejections } from './tool-rejections.js';
import { createRedisIncidentStore } from './incident-store.js';
import { redisCatalog } from './catalog.js';

export interface RedisStoreOptions {
  url: string;
  /** Default 'dw:'. */
  keyPrefix?: string;
  logger: Logger;
  /** Default 5000. */
  connectTimeoutMs?: number;
  /** Upper bound on any one command, so a wedged Redis cannot hang a caller. Default 5000. */
  commandTimeoutMs?: number;
  /** Audit entries older than this are pruned (never by count). Default 400. */
  auditRetentionDays?: number;
  /** How often audit retention, event age and the legacy-audit check run; 0 disables. Default 60 s. */
  maintenanceIntervalMs?: number;
  /** Clock for retention and event times. Default: the system clock. */
  now?: () => Date;
}

const SCRIPTS = {
  dwWriteAlert: { lua: WRITE_ALERT, numberOfKeys: 6 + SEVERITIES.length },
  dwQuarantine: { lua: QUARANTINE, numberOfKeys: 3 },
  dwRelease: { lua: RELEASE, numberOfKeys: 2 },
  dwAcquireLease: { lua: ACQUIRE_LEASE, numberOfKeys: 1 },
} as const;
type ScriptName = keyof typeof SCRIPTS;

function metaOf(stored: StoredAlert): string {
  return `${severityRank(stored.alert.severity)}${stored.status === 'open' ? 'o' : 'r'}`;
}

export function createRedisStore(options: RedisStoreOptions): StatePort {
  const log = options.logger.child({ component: 'store', adapter: 'redis' });
  const prefix = options.keyPrefix ?? 'dw:';
  const k = redisKeys(prefix);
  const retention = retentionMs(options.auditRetentionDays);
  const maintenanceMs = checkInterval('maintenanceIntervalMs', options.maintenanceIntervalMs, DEFAULT_MAINTENANCE_INTERVAL_MS);
  const now = options.now ?? (() => new Date());
  const redis = new Redis(options.url, {
    // Attach listeners before the first connection attempt; we connect explicitly below.
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    // Commands issued while (re)connecting wait in the offline queue, but only for a few
    // reconnect attempts: a caller gets an error instead of waiting forever on a dead Redis.
    enableOfflineQueue: true,
    maxRetriesPerRequest: 2,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000),
  });
  for (const [name, def] of Object.entries(SCRIPTS)) redis.defineCommand(name, def);

  let lastErrorLog = 0;
  redis.on('error', (err: Error) => {
    // ioredis reports every failed reconnect; one line per 10 s is enough for an operator.
    const now = Date.now();
    if (now - lastErrorLog > 10_000) {
      lastErrorLog = now;
      log.warn({ err: err.message }, 'redis connection error');
    }
  });
  redis.on('ready', () => log.info('redis ready'));
  redis.connect().catch((err: Error) => log.warn({ err: err.message }, 'redis initial connect failed; retrying'));

  const auditLog = createRedisAuditLog(redis, prefix, log);
  const eventLog = createRedisEventLog(redis, prefix, log);
  // Audit entries written by an older version live in capped lists: copy them in before the first
  // read needs them. Memoised; a failure is logged and the maintenance timer tries again.
  const legacyMigrated = auditLog.migrateLegacy().then(
    () => undefined,
    (err: Error) => log.warn({ err: err.message }, 'legacy audit migration failed; will retry'),
  );
  async function prune(maxAudit = AUDIT_PRUNE_BATCH * AUDIT_PRUNE_BATCHES_PER_RUN) {
    const t = now().getTime();
    return {
      audit: await auditLog.prune(t - retention, maxAudit, AUDIT_PRUNE_BATCH),
      events: await eventLog.trimOlderThan(t - EVENT_RETAIN_MS, EVENT_RETAIN_COUNT),
    };
  }
  const maintenance = startMaintenance(
    async () => {
      await auditLog.migrateLegacy();
      await prune();
    },
    maintenanceMs,
    log,
  );

  /**
   * Events a state change emits, after the change: a failure is logged, never thrown, because the
   * change was made and a caller retrying it would not emit the event again anyway.
   */
  async function emitQuietly(make: () => NewDriftEvent): Promise<void> {
    let event: NewDriftEvent | undefined;
    try {
      event = make();
      await eventLog.append(encodeNewEvent(event, now().toISOString()));
    } catch (err) {
      log.warn({ err: (err as Error).message, type: event?.type }, 'event not recorded');
    }
  }

  /** The derived status of a server, or null when its state cannot be read. */
  function statusOf(id: string, hash: Record<string, string>, quarantineRaw: string | null): ServerStatus | null {
    try {
      return deriveStatus(decodeServer(id, hash, quarantineRaw));
    } catch {
      return null;
    }
  }

  async function listAuditPage(query: AuditPageQuery): Promise<AuditPage> {
    await legacyMigrated;
    return auditLog.page(query, pageLimit(query.limit));
  }

  async function readState(serverId: string): Promise<{ hash: Record<string, string>; q: string | null }> {
    const key = k.server(serverId);
    const [hash, q] = replies(key, await redis.multi().hgetall(key).get(k.quarantine(serverId)).exec()) as [Record<string, string>, string | null];
    return { hash, q };
  }

  const run = (name: ScriptName, keys: string[], args: Array<string | number>): Promise<unknown> => {
    const fn = (redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[name];
    if (!fn) throw new Error(`script ${name} not defined`);
    return fn.call(redis, ...keys, ...args);
  };

  /** Redis errors that mean "this key holds something we did not write" become CorruptValueError. */
  async function guard<T>(key: string, p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('WRONGTYPE')) {
        throw new CorruptValueError(key, 'holds the wrong Redis type');
      }
      throw err;
    }
  }

  async function getJson<T>(key: string, schema: Parameters<typeof decode<T>>[2]): Promise<T | null> {
    const raw = await guard(key, redis.get(key));
    return raw === null ? null : decode(key, raw, schema);
  }

  /** JSON text and its fingerprint, written together. */
  async function putBlob(key: string, blob: JsonBlob): Promise<void> {
    replies(key, await redis.multi().set(key, blob.json).set(k.fingerprintOf(key), blob.fingerprint).exec());
  }

  /**
   * The JSON text as stored, with its fingerprint. Values written before the fingerprint key
   * existed are parsed once to learn it (the old format is plain JSON under the same key).
   */
  async function getBlob(key: string, fingerprintOf: (value: unknown) => string): Promise<JsonBlob | null> {
    const [json, fingerprint] = (await guard(key, redis.mget(key, k.fingerprintOf(key)))) as [string | null, string | null];
    if (json === null) return null;
    if (fingerprint !== null) return { fingerprint, json };
    try {
      return { fingerprint: fingerprintOf(JSON.parse(json)), json };
    } catch (err) {
      throw new CorruptValueError(key, `does not validate: ${(err as Error).message.slice(0, 200)}`);
    }
  }

  function decodeServer(id: string, hash: Record<string, string>, quarantineRaw: string | null): ServerState | null {
    const key = k.server(id);
    const state: Record<string, unknown> = {};
    for (const [field, raw] of Object.entries(hash)) {
      // A field from a newer version is not ours to judge (hasOwn: the hash is foreign input).
      if (!Object.hasOwn(ServerStateFieldSchemas, field)) continue;
      const schema = ServerStateFieldSchemas[field as ServerStateField] as z.ZodType<unknown>;
      state[field] = decode(`${key}#${field}`, raw, schema);
    }
    const quarantine = quarantineRaw === null ? undefined : decode(k.quarantine(id), quarantineRaw, QuarantineRecordSchema);
    if (Object.keys(state).length === 0 && !quarantine) return null;
    const out: ServerState = { ...(state as Partial<ServerState>), serverId: id };
    if (quarantine) out.quarantine = quarantine;
    return out;
  }

  /** Unwraps a MULTI/pipeline reply, surfacing the first command error. */
  function replies(key: string, res: Array<[Error | null, unknown]> | null): unknown[] {
    if (!res) throw new Error(`redis transaction on ${key} was aborted`);
    return res.map(([err, value]) => {
      if (err) {
        if (err.message.startsWith('WRONGTYPE')) throw new CorruptValueError(key, 'holds the wrong Redis type');
        throw err;
      }
      return value;
    });
  }

  async function writeAlert(stored: StoredAlert, mode: 'insert' | 'put'): Promise<boolean> {
    const a = stored.alert;
    const res = await run(
      'dwWriteAlert',
      [
        k.alert(a.id),
        k.alerts,
        k.alertsByServer(a.serverId),
        k.alertsOpen,
        k.alertMeta,
        k.alertOpen(a.dedupKey),
        ...SEVERITIES.map((_, rank) => k.alertsBySeverity(rank)),
      ],
      [JSON.stringify(stored), alertScore(stored), a.id, metaOf(stored), stored.status, mode, severityRank(a.severity)],
    );
    return res === 1;
  }

  return {
    // Incidents, silences, deliveries (redis/incident-store.ts).
    ...createRedisIncidentStore(redis, options.keyPrefix ?? 'dw:', log, now),

    async getServerState(serverId) {
      const key = k.server(serverId);
      const res = await redis.multi().hgetall(key).get(k.quarantine(serverId)).exec();
      const [hash, q] = replies(key, res) as [Record<string, string>, string | null];
      return decodeServer(serverId, hash, q);
    },

    async updateServerState(serverId, patch) {
      const key = k.server(serverId);
      const sets: string[] = ['serverId', JSON.stringify(serverId)];
      const dels: string[] = [];
      for (const [field, value] of patchEntries(patch)) {
        if (value === undefined) dels.push(field);
        else sets.push(field, JSON.stringify(value));
      }
      // The state before and after, in the same transaction: a status event names a real change.
      const tx = redis.multi().hgetall(key).get(k.quarantine(serverId)).hset(key, ...sets);
      if (dels.length) tx.hdel(key, ...dels);
      tx.sadd(k.servers, serverId).hgetall(key).get(k.quarantine(serverId));
      const out = replies(key, await tx.exec());
      const hash = out[out.length - 2] as Record<string, string>;
      const q = out[out.length - 1] as string | null;
      const state = decodeServer(serverId, hash, q);
      if (!state) throw new Error(`server state ${key} vanished during update`);
      const before = statusOf(serverId, out[0] as Record<string, string>, out[1] as string | null);
      const after = deriveStatus(state);
      if (before !== null && before !== after) await emitQuietly(() => statusEvent(serverId, before, after, now().toISOString()));
      return state;
    },

    async listServerStates() {
      const ids = (await guard(k.servers, redis.smembers(k.servers))).sort();
      const out: ServerState[] = [];
      const BATCH = 500;
      for (let i = 0; i < ids.length; i += BATCH) {
        const batch = ids.slice(i, i + BATCH);
        const pipe = redis.pipeline();
        for (const id of batch) pipe.hgetall(k.server(id)).get(k.quarantine(id));
        const res = (await pipe.exec()) ?? [];
        batch.forEach((id, j) => {
          const [hErr, hash] = res[2 * j] ?? [new Error('missing reply'), null];
          const [qErr, q] = res[2 * j + 1] ?? [new Error('missing reply'), null];
          try {
            if (hErr || qErr) throw new CorruptValueError(k.server(id), (hErr ?? qErr)!.message);
            const state = decodeServer(id, hash as Record<string, string>, q as string | null);
            if (state) out.push(state);
          } catch (err) {
            log.warn({ serverId: id, err: (err as Error).message }, 'skipping unreadable server state');
          }
        });
      }
      return out;
    },

    getLatestSnapshot: (serverId) => getJson<SnapshotT>(k.snapshot(serverId), Snapshot),
    async putLatestSnapshot(snapshot) {
      await putBlob(k.snapshot(snapshot.serverId), { fingerprint: snapshot.fingerprints.snapshot, json: JSON.stringify(snapshot) });
    },
    getLatestSnapshotJson: (serverId) => getBlob(k.snapshot(serverId), (v) => Snapshot.parse(v).fingerprints.snapshot),
    putLatestSnapshotJson: (serverId, blob) => putBlob(k.snapshot(serverId), blob),

    getBaseline: (serverId) => getJson<BaselineT>(k.baseline(serverId), Baseline),
    async putBaseline(baseline) {
      await putBlob(k.baseline(baseline.serverId), { fingerprint: baseline.fingerprint, json: JSON.stringify(baseline) });
    },
    getBaselineJson: (serverId) => getBlob(k.baseline(serverId), (v) => Baseline.parse(v).fingerprint),
    async getBaselineFingerprint(serverId) {
      const key = k.baseline(serverId);
      // The baseline's existence too: a fingerprint key left behind by a partial delete is not a baseline.
      const [[, exists] = [], [, fingerprint] = []] = ((await guard(key, redis.pipeline().exists(key).get(k.fingerprintOf(key)).exec())) ?? []) as Array<[Error | null, unknown]>;
      if (!exists) return null;
      if (typeof fingerprint === 'string') return fingerprint;
      // A baseline written before fingerprints had a key of their own: read it whole.
      return (await getBlob(key, (v) => Baseline.parse(v).fingerprint))?.fingerprint ?? null;
    },
    putBaselineJson: (serverId, blob) => putBlob(k.baseline(serverId), blob),

    async getOpenFindings(serverId) {
      return (await getJson<Record<string, OpenFinding>>(k.findings(serverId), OpenFindingsSchema)) ?? {};
    },
    async putOpenFindings(serverId, findings) {
      const key = k.findings(serverId);
      if (Object.keys(findings).length === 0) await redis.del(key);
      else await redis.set(key, JSON.stringify(findings));
    },

    async insertAlert(alert) {
      const inserted = await writeAlert(alert, 'insert');
      if (inserted) await emitQuietly(() => alertEvent(alert, alert.status === 'open' ? 'opened' : 'resolved', now().toISOString()));
      return inserted;
    },
    async putAlert(alert) {
      await writeAlert(alert, 'put');
      await emitQuietly(() => alertEvent(alert, alert.status === 'resolved' ? 'resolved' : 'updated', now().toISOString()));
    },
    getAlert: (alertId) => getJson<StoredAlert>(k.alert(alertId), StoredAlertSchema),

    async getOpenAlertByDedupKey(dedupKey) {
      const id = await guard(k.alertOpen(dedupKey), redis.get(k.alertOpen(dedupKey)));
      if (id === null) return null;
      const stored = await getJson<StoredAlert>(k.alert(id), StoredAlertSchema);
      // The pointer and the alert are written in one script; this only guards hand edits.
      return stored && stored.status === 'open' && stored.alert.dedupKey === dedupKey ? stored : null;
    },

    async listAlerts(filter?: AlertFilter) {
      const limit = alertLimit(filter);
      if (limit === 0) return [];
      const minRank = filter?.minSeverity !== undefined ? severityRank(filter.minSeverity) : 0;
      const wantStatus = filter?.status === undefined ? null : filter.status === 'open' ? 'o' : 'r';
      // Read only the indexes that can match: one server's alerts, the severities at or above the
      // minimum, or the open ones. Whatever the index does not decide is filtered per page on the
      // small meta hash before whole alerts are fetched and validated.
      const indexes =
        filter?.serverId !== undefined
          ? [k.alertsByServer(filter.serverId)]
          : minRank > 0
            ? SEVERITIES.slice(minRank).map((_, i) => k.alertsBySeverity(minRank + i))
            : wantStatus === 'o'
              ? [k.alertsOpen]
              : [k.alerts];
      const pageSize = Math.min(MAX_ALERT_LIMIT, Math.max(100, limit * 2));
      const seen = new Set<string>();
      const out: StoredAlert[] = [];
      for await (const ids of walkNewestFirst(redis, indexes, pageSize)) {
        let candidates = ids.filter((id) => !seen.has(id));
        candidates.forEach((id) => seen.add(id));
        if (candidates.length && (minRank > 0 || wantStatus)) {
          const metas = await guard(k.alertMeta, redis.hmget(k.alertMeta, ...candidates));
          candidates = candidates.filter((_, i) => {
            const m = metas[i];
            if (!m) return true; // no meta: decide on the full alert below
            return Number(m[0]) >= minRank && (wantStatus === null || m[1] === wantStatus);
          });
        }
        if (candidates.length) {
          const raws = await redis.mget(...candidates.map((id) => k.alert(id)));
          for (let i = 0; i < candidates.length && out.length < limit; i++) {
            const raw = raws[i];
            if (raw === null || raw === undefined) continue; // index entry without an alert
            try {
              const stored = decode(k.alert(candidates[i]!), raw, StoredAlertSchema);
              if (matchesFilter(stored, filter)) out.push(stored);
            } catch (err) {
              log.warn({ alertId: candidates[i], err: (err as Error).message }, 'skipping unreadable alert');
            }
          }
        }
        if (out.length >= limit) break;
      }
      return out;
    },

    async quarantine(serverId, record) {
      const res = await run('dwQuarantine', [k.quarantine(serverId), k.quarantined, k.servers], [JSON.stringify(record), serverId]);
      if (res !== 1) return false;
      // What the status was: the server's own state, as if not quarantined (read after; close enough).
      const current = await readState(serverId).catch(() => null);
      const before = current && statusOf(serverId, current.hash, null);
      if (before) await emitQuietly(() => statusEvent(serverId, before, 'quarantined', now().toISOString()));
      return true;
    },

    async release(serverId) {
      const key = k.quarantine(serverId);
      const raw = (await guard(key, run('dwRelease', [key, k.quarantined], [serverId]))) as string | null;
      if (raw === null) return null;
      const current = await readState(serverId).catch(() => null);
      const after = current && statusOf(serverId, current.hash, current.q);
      if (after && after !== 'quarantined') await emitQuietly(() => statusEvent(serverId, 'quarantined', after, now().toISOString()));
      try {
        return decode(key, raw, QuarantineRecordSchema);
      } catch (err) {
        // The quarantine *was* lifted; only its record is unreadable. Say so rather than claim
        // the server was never quarantined.
        log.error({ serverId, err: (err as Error).message }, 'released a quarantine whose record was unreadable');
        return { reason: '(unreadable quarantine record)', actor: 'unknown', at: new Date().toISOString() };
      }
    },

    getQuarantine: (serverId) => getJson<QuarantineRecord>(k.quarantine(serverId), QuarantineRecordSchema),

    async countQuarantined() {
      return guard(k.quarantined, redis.scard(k.quarantined));
    },

    async claimOnce(key, ttlMs) {
      const res = await redis.set(k.once(key), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
      return res === 'OK';
    },
    async isClaimed(key) {
      return (await redis.exists(k.once(key))) === 1;
    },
    async unclaim(key) {
      await redis.del(k.once(key));
    },
    async acquireLease(key, owner, ttlMs) {
      const res = await run('dwAcquireLease', [k.lease(key)], [owner, Math.max(1, Math.ceil(ttlMs))]);
      return res === 1;
    },

    async appendAudit(action) {
      // The action was validated by its producer; re-validate so the trail holds only what reads back.
      const checked = Action.parse(action);
      let eventJson = '';
      try {
        const time = now().toISOString();
        eventJson = encodeNewEvent(actionEvent(checked, time), time);
      } catch (err) {
        log.warn({ err: (err as Error).message, type: 'action' }, 'event not recorded');
      }
      await auditLog.append(checked, eventJson);
    },

    async listAudit(limit, serverId) {
      const n = clampLimit(limit, DEFAULT_AUDIT_LIMIT, AUDIT_CAP);
      return (await listAuditPage({ limit: n, ...(serverId !== undefined ? { serverId } : {}) })).actions;
    },

    ...createRedisApiKeys(redis, k.apiKeys, log),
    ...redisToolRejections(redis, k),
    listAuditPage,

    prune,

    /** Walks the audit hash chain (audit-chain-verify.ts); the first record that does not verify, if any. */
    async verifyAuditChain() {
      await legacyMigrated;
      return auditLog.verifyChain(now().getTime() - retention);
    },

    async appendEvent(event) {
      return eventLog.append(encodeNewEvent(event, now().toISOString()));
    },

    readEvents: (afterId, limit) => eventLog.read(afterId, limit),
    ...redisCatalog(redis, options.keyPrefix ?? 'dw:', log),

    isReady: () => redis.status === 'ready',

    async close() {
      await maintenance.stop();
      if (redis.status === 'end') return;
      // Appends this process queued get written (or fail) before the connection goes.
      if (redis.status === 'ready') await auditLog.idle();
      if (redis.status !== 'ready') {
        redis.disconnect();
        return;
      }
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}
