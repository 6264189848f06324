import { EVENT_FIELD } from './event-log.js';

/*
 * Lua scripts for the incident decisions that must be atomic across processes (every key in KEYS).
 */

/**
 * Compare-and-set of an incident, with its `incident` event (events/incident-event.ts) in the
 * same step. What the event depends on, `<status>|<severity>`, is kept beside the record so the
 * script can tell a change without decoding the (possibly large) previous record. An incident
 * written before that key existed counts as changed once: an extra event, never a missed one.
 * KEYS: incident, version, incidents (all, by openedAt), incidents:server, attention set, open pointer (group key),
 *       event state, event stream
 * ARGV: json, expectedVersion, id, score, needsAttention ('1'|'0'), status, ttlMs (0: keep),
 *       event state, event JSON for a new incident or status ('' for none), event JSON for a new severity ('' for none),
 *       event stream maxlen
 * Returns 1 when written, 0 on a version conflict, -1 when another unresolved incident holds the group key.
 */
export const PUT_INCIDENT = `
local v = tonumber(redis.call('GET', KEYS[2]) or '0')
if v ~= tonumber(ARGV[2]) then return 0 end
if v == 0 and ARGV[6] ~= 'resolved' then
  local holder = redis.call('GET', KEYS[6])
  if holder and holder ~= ARGV[3] then return -1 end
end
local prev = false
if v > 0 then prev = redis.call('GET', KEYS[7]) end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], tostring(v + 1))
redis.call('SET', KEYS[7], ARGV[8])
local ttl = tonumber(ARGV[7])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('PEXPIRE', KEYS[7], ttl)
else
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
  redis.call('PERSIST', KEYS[7])
end
if prev ~= ARGV[8] then
  local event = ARGV[9]
  if prev and string.match(prev, '^[^|]*') == ARGV[6] then event = ARGV[10] end
  if event ~= '' then
    redis.call('XADD', KEYS[8], 'MAXLEN', '~', ARGV[11], '0-*', '${EVENT_FIELD}', event)
  end
end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
if ARGV[5] == '1' then redis.call('SADD', KEYS[5], ARGV[3]) else redis.call('SREM', KEYS[5], ARGV[3]) end
if ARGV[6] ~= 'resolved' then
  redis.call('SET', KEYS[6], ARGV[3])
elseif redis.call('GET', KEYS[6]) == ARGV[3] then
  redis.call('DEL', KEYS[6])
end
return 1
`;

/**
 * Creates (NX) or overwrites a delivery and keeps its indexes.
 * KEYS: delivery, deliveries of the incident, open deliveries
 * ARGV: json, key, mode ('create'|'put'), open ('1'|'0'), ttlMs (0: keep)
 * Returns 1 when written, 0 when mode=create and it existed.
 */
export const WRITE_DELIVERY = `
if ARGV[3] == 'create' then
  if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('SADD', KEYS[2], ARGV[2])
if ARGV[4] == '1' then redis.call('SADD', KEYS[3], ARGV[2]) else redis.call('SREM', KEYS[3], ARGV[2]) end
local ttl = tonumber(ARGV[5])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
else
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
end
return 1
`;

/** KEYS: silences hash. ARGV: id, json, max. 1 when stored, 0 when the hash is full. */
export const PUT_SILENCE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;
