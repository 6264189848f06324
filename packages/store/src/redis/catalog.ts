import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CatalogEntry, IsoTime } from '@driftwatch/core';
import { CorruptValueError } from '../errors.js';
import { checkedEntry, entryOf } from '../file/catalog.js';
import type { StatePort } from '../port.js';

type CatalogMethods = Pick<StatePort, 'listCatalog' | 'getCatalogEntry' | 'putCatalogEntry' | 'deleteCatalogEntry' | 'catalogSeededAt' | 'markCatalogSeeded'>;

/** The catalog's keys, under the store's prefix: one hash (id → entry JSON) and the seed marker. */
export function catalogKeys(prefix: string) {
  return { entries: `${prefix}catalog`, seeded: `${prefix}catalog:seeded` };
}

/**
 * The living catalog in Redis: one hash, so listing is one HGETALL and "add unless present" is
 * one HSETNX (atomic across API replicas).
 */
export function redisCatalog(redis: Redis, prefix: string, log: Logger): CatalogMethods {
  const k = catalogKeys(prefix);
  const field = (id: string) => `${k.entries}#${id}`;

  function decodeEntry(key: string, raw: string): CatalogEntry {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new CorruptValueError(key, `not JSON (${raw.length} bytes)`);
    }
    return entryOf(key, value);
  }

  async function wrongType<T>(key: string, p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('WRONGTYPE')) throw new CorruptValueError(key, 'holds the wrong Redis type');
      throw err;
    }
  }

  return {
    async listCatalog() {
      const all = await wrongType(k.entries, redis.hgetall(k.entries));
      const out: CatalogEntry[] = [];
      for (const id of Object.keys(all).sort()) {
        try {
          out.push(decodeEntry(field(id), all[id]!));
        } catch (err) {
          // One unreadable entry must not hide the others from every worker.
          log.warn({ serverId: id, err: (err as Error).message }, 'skipping unreadable catalog entry');
        }
      }
      return out;
    },
    async getCatalogEntry(serverId) {
      const raw = await wrongType(k.entries, redis.hget(k.entries, serverId));
      return raw === null ? null : decodeEntry(field(serverId), raw);
    },
    async putCatalogEntry(entry, options) {
      const v = checkedEntry(entry);
      const json = JSON.stringify(v);
      if (options?.onlyIfAbsent) return (await wrongType(k.entries, redis.hsetnx(k.entries, v.id, json))) === 1;
      await wrongType(k.entries, redis.hset(k.entries, v.id, json));
      return true;
    },
    async deleteCatalogEntry(serverId) {
      return (await wrongType(k.entries, redis.hdel(k.entries, serverId))) === 1;
    },
    async catalogSeededAt() {
      const raw = await wrongType(k.seeded, redis.get(k.seeded));
      if (raw === null) return null;
      const at = IsoTime.safeParse(raw);
      if (!at.success) throw new CorruptValueError(k.seeded, 'not an ISO time');
      return at.data;
    },
    async markCatalogSeeded(at) {
      return (await redis.set(k.seeded, at, 'NX')) === 'OK';
    },
  };
}
