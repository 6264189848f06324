import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ApiKeyRecord, checkApiKeyRecord, sortApiKeys, withRevocation } from '../api-keys.js';
import { decode } from '../codec.js';
import { CorruptValueError } from '../errors.js';
import type { StatePort } from '../port.js';

type ApiKeyMethods = Pick<StatePort, 'putApiKey' | 'getApiKey' | 'listApiKeys' | 'revokeApiKey'>;

/**
 * KEYS: the api-keys hash. ARGV: id, expected JSON, new JSON.
 * Compare-and-set of one field: 1 when written, 0 when the field changed since it was read.
 */
const SET_IF_UNCHANGED = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return 1
end
return 0
`;

/** How often revoke retries a compare-and-set that lost a race (another revoke or a put). */
const REVOKE_ATTEMPTS = 8;

/**
 * API keys in one Redis hash (key id → record JSON): a handful to a few thousand small records,
 * read one at a time on every authenticated request and listed whole by `keys list`.
 */
export function createRedisApiKeys(redis: Redis, hashKey: string, log: Logger): ApiKeyMethods {
  const fieldKey = (id: string) => `${hashKey}#${id}`;

  async function read(id: string): Promise<{ raw: string; record: ApiKeyRecord } | null> {
    let raw: string | null;
    try {
      raw = await redis.hget(hashKey, id);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('WRONGTYPE')) throw new CorruptValueError(hashKey, 'holds the wrong Redis type');
      throw err;
    }
    return raw === null ? null : { raw, record: decode(fieldKey(id), raw, ApiKeyRecord) };
  }

  return {
    async putApiKey(record) {
      const checked = checkApiKeyRecord(record);
      await redis.hset(hashKey, checked.id, JSON.stringify(checked));
    },

    async getApiKey(id) {
      return (await read(id))?.record ?? null;
    },

    async listApiKeys() {
      const all = await redis.hgetall(hashKey);
      const out: ApiKeyRecord[] = [];
      for (const [id, raw] of Object.entries(all)) {
        try {
          out.push(decode(fieldKey(id), raw, ApiKeyRecord));
        } catch (err) {
          // One bad record must not hide the others from an admin trying to clean up.
          log.warn({ keyId: id, err: (err as Error).message }, 'skipping unreadable api key record');
        }
      }
      return sortApiKeys(out);
    },

    async revokeApiKey(id, revokedAt, revokedBy) {
      // Optimistic: decide in JS (validated like any write), then write only if nobody else
      // changed the record in between. Revocations are rare; a lost race just reads again.
      for (let attempt = 0; attempt < REVOKE_ATTEMPTS; attempt++) {
        const current = await read(id);
        if (!current) return null;
        const next = withRevocation(current.record, revokedAt, revokedBy);
        if (next === current.record) return next;
        const json = JSON.stringify(checkApiKeyRecord(next));
        const won = await redis.eval(SET_IF_UNCHANGED, 1, hashKey, id, current.raw, json);
        if (won === 1) return next;
      }
      throw new Error(`revoking api key ${id}: the record kept changing; try again`);
    },
  };
}
