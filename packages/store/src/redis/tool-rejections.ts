import type { Redis } from 'ioredis';
import { ToolRejection } from '@driftwatch/core';
import { decode } from '../codec.js';
import type { StatePort } from '../port.js';
import type { RedisKeys } from './keys.js';

type ToolRejectionMethods = Pick<StatePort, 'putToolRejection' | 'deleteToolRejection' | 'listToolRejections'>;

/**
 * Tool rejections in Redis: one hash per server (field = tool name, value = JSON), and a set of
 * the servers that ever had one, so the allowlist reads them all in two round trips. A server
 * is never removed from that set: a removal racing a new rejection could hide the rejection,
 * and a gateway would then let the rejected tool through. An empty hash costs nothing.
 *
 * An unreadable value throws (CorruptValueError) instead of being skipped: skipping would
 * silently unblock a tool a human rejected.
 */
export function redisToolRejections(redis: Redis, k: RedisKeys): ToolRejectionMethods {
  function decodeAll(serverId: string, hash: Record<string, string>): ToolRejection[] {
    const key = k.toolRejections(serverId);
    return Object.keys(hash)
      .sort()
      .map((tool) => decode(`${key}#${tool}`, hash[tool]!, ToolRejection));
  }

  return {
    async putToolRejection(rejection) {
      const checked = ToolRejection.parse(rejection);
      const res = await redis
        .multi()
        .hset(k.toolRejections(checked.serverId), checked.tool, JSON.stringify(checked))
        .sadd(k.toolRejectionServers, checked.serverId)
        .exec();
      if (!res) throw new Error(`redis transaction on ${k.toolRejections(checked.serverId)} was aborted`);
      for (const [err] of res) if (err) throw err;
    },

    async deleteToolRejection(serverId, tool) {
      return (await redis.hdel(k.toolRejections(serverId), tool)) === 1;
    },

    async listToolRejections(serverId) {
      if (serverId !== undefined) return decodeAll(serverId, await redis.hgetall(k.toolRejections(serverId)));
      const ids = (await redis.smembers(k.toolRejectionServers)).sort();
      if (ids.length === 0) return [];
      const pipe = redis.pipeline();
      for (const id of ids) pipe.hgetall(k.toolRejections(id));
      const res = (await pipe.exec()) ?? [];
      const out: ToolRejection[] = [];
      ids.forEach((id, i) => {
        const [err, hash] = res[i] ?? [new Error('missing reply'), null];
        if (err) throw err;
        out.push(...decodeAll(id, hash as Record<string, string>));
      });
      return out;
    },
  };
}
