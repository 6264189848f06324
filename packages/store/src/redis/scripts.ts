/*
 * Lua scripts for the decisions that must be atomic across processes. Every key a script
 * touches is passed in KEYS so the scripts stay correct under a key-slot-aware proxy.
 */

/**
 * KEYS: alert, alerts, alertsByServer, alertsOpen, alertMeta, alertOpen(dedupKey),
 *       alertsBySeverity(rank 0..4) as KEYS[7..11]
 * ARGV: json, score, id, meta, status, mode ('insert' | 'put'), severity rank
 * Returns 1 when written, 0 when mode=insert and the alert already existed.
 */
export const WRITE_ALERT = `
if ARGV[6] == 'insert' then
  if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
else
  redis.call('SET', KEYS[1], ARGV[1])
end
local rank = tonumber(ARGV[7])
local old = redis.call('HGET', KEYS[5], ARGV[3])
if old then
  local oldRank = tonumber(string.sub(old, 1, 1))
  if oldRank and oldRank ~= rank and oldRank >= 0 and oldRank <= 4 then
    redis.call('ZREM', KEYS[7 + oldRank], ARGV[3])
  end
end
redis.call('ZADD', KEYS[7 + rank], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[5], ARGV[3], ARGV[4])
if ARGV[5] == 'open' then
  redis.call('ZADD', KEYS[4], ARGV[2], ARGV[3])
  redis.call('SET', KEYS[6], ARGV[3])
else
  redis.call('ZREM', KEYS[4], ARGV[3])
  if redis.call('GET', KEYS[6]) == ARGV[3] then redis.call('DEL', KEYS[6]) end
end
return 1
`;

/** KEYS: quarantine, quarantined, servers. ARGV: json, serverId. 1 when this call quarantined. */
export const QUARANTINE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[2])
  return 1
end
return 0
`;

/** KEYS: quarantine, quarantined. ARGV: serverId. The lifted record's JSON, or nil. */
export const RELEASE = `
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
redis.call('SREM', KEYS[2], ARGV[1])
return v
`;

/** KEYS: lease. ARGV: owner, ttlMs. 1 when owner holds the lease now (new or renewed). */
export const ACQUIRE_LEASE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;
