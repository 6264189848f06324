/** Every key the Redis adapter touches, under one prefix so that deployments can share a Redis. */
export function redisKeys(p: string) {
  return {
    servers: `${p}servers`,
    server: (id: string) => `${p}server:${id}`,
    snapshot: (id: string) => `${p}snapshot:${id}`,
    baseline: (id: string) => `${p}baseline:${id}`,
    /** The fingerprint of the JSON under snapshot:/baseline:, so it can be read without parsing. */
    fingerprintOf: (key: string) => `${key}:fp`,
    findings: (id: string) => `${p}findings:${id}`,
    alert: (id: string) => `${p}alert:${id}`,
    /** Sorted sets of alert ids, score = alert time in ms. */
    alerts: `${p}alerts`,
    alertsOpen: `${p}alerts:open`,
    alertsByServer: (id: string) => `${p}alerts:server:${id}`,
    /** One sorted set per severity (by rank), so a minimum-severity listing skips what it filters out. */
    alertsBySeverity: (rank: number) => `${p}alerts:severity:${rank}`,
    /** Hash alert id → "<severity rank><o|r>", so listAlerts can filter a page without decoding it. */
    alertMeta: `${p}alert-meta`,
    alertOpen: (dedupKey: string) => `${p}alert-open:${dedupKey}`,
    quarantine: (id: string) => `${p}quarantine:${id}`,
    quarantined: `${p}quarantined`,
    once: (key: string) => `${p}once:${key}`,
    lease: (key: string) => `${p}lease:${key}`,
    /** Legacy capped audit lists, migrated away by redis/audit-log.ts (which owns the audit keys now). */
    audit: `${p}audit`,
    auditByServer: (id: string) => `${p}audit:server:${id}`,
    /** Hash: API key id → record JSON (the secret's hash, never the secret). */
    apiKeys: `${p}api-keys`,
    /** Hash tool name → rejection JSON, per server; and the set of servers that have such a hash. */
    toolRejections: (id: string) => `${p}tool-rejections:${id}`,
    toolRejectionServers: `${p}tool-rejection-servers`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
