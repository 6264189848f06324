import pino from 'pino';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Action } from '@driftwatch/core';
import { createRedisStore } from '@driftwatch/store';
import { audit } from '../../services/cli/src/commands/audit.js';
import { CliError } from '../../services/cli/src/commands/common.js';

const base = process.env.REDIS_URL;
if (!base) throw new Error('REDIS_URL is not set: run through the integration project (its globalSetup provides Redis)');
// The command reads the deployment's own prefix (dw:): a database of its own keeps other tests' keys apart.
const url = new URL(base);
url.pathname = '/13';
const redisUrl = url.toString();

function act(i: number): Action {
  return { id: `act-${i}`, type: 'action', version: 1, time: new Date(Date.now() - (10 - i) * 1000).toISOString(), serverId: 'mail', action: 'quarantine', actor: 'policy', reason: `reason ${i}` };
}

async function verify(...extra: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const io = { stdout: (s: string) => void (stdout += s), stderr: () => undefined, env: { REDIS_URL: redisUrl, KAFKA_BROKERS: '127.0.0.1:9' } };
  try {
    return { code: await audit(['verify', ...extra], io), stdout };
  } catch (err) {
    if (err instanceof CliError) return { code: err.exitCode, stdout: err.message };
    throw err;
  }
}

describe('driftwatch audit verify (distributed: the Redis store)', () => {
  const raw = new Redis(redisUrl, { lazyConnect: true });
  afterAll(async () => {
    await raw.flushdb();
    raw.disconnect();
  });

  it('exits 0 on an intact chain, and 1 naming the record someone changed in Redis', async () => {
    await raw.connect();
    await raw.flushdb();
    const store = createRedisStore({ url: redisUrl, logger: pino({ level: 'silent' }), maintenanceIntervalMs: 0 });
    for (let i = 1; i <= 5; i++) await store.appendAudit(act(i));
    await store.close();

    const ok = await verify();
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^audit trail OK \(redis\): 5 records verified; head 5:[0-9a-f]{64}/);

    // An operator with Redis access rewrites the third record's reason.
    const data = await raw.hgetall('dw:auditlog:data');
    const [member, text] = Object.entries(data).find(([, v]) => v.includes('reason 3'))!;
    await raw.hset('dw:auditlog:data', member, text.replace('reason 3', 'reason X'));
    const bad = await verify();
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^audit trail BROKEN \(redis\) at record 3 \(action act-3, server mail, [^)]+\): content altered/);
  });
});
