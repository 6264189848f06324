// Issue 9, part 5: kill -9 chaos on the distributed deployment. Its own Kafka broker and Redis,
// each Driftwatch service its own process (the real CLI), a fleet of real MCP servers that rug
// pull one group at a time; for each fault a group changes, the component is killed mid-stream
// and started again, and the run must end with every change alerted, quarantined once and paged
// once, and no server trusted on first use a second time.
//
//   npm run chaos                     every fault, 30 servers (CHAOS_PROFILE=full)
//   CHAOS_PROFILE=short (npm test)    five faults, 20 servers
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '@driftwatch/store';
import type { StatePort } from '@driftwatch/store';
import { PagerDutyDouble } from '../support/receivers/index.js';
import { quietLogger } from '../e2e/helpers.js';
import { ChaosKafka, ChaosRedis } from './infra.js';
import { ServiceProcess, type Service } from './workers.js';
import { Fleet } from './fleet.js';
import { Observer } from './observer.js';
import { tally, violations, type Observed, type Tally } from './ledger.js';
import { sleep, waitUntil } from './wait.js';

type Fault = 'broker' | 'redis' | 'redis-empty' | Service;

/** When the kill lands, relative to the group's change: the stage it interrupts. */
const KILL_WHEN: Record<Fault, 'changed' | 'snapshot' | 'alert'> = {
  broker: 'changed', // the poller's publishes fail
  redis: 'snapshot', // the differ is comparing
  'redis-empty': 'snapshot', // … and loses every baseline, quarantine and incident
  poller: 'changed',
  differ: 'snapshot',
  responder: 'alert', // quarantining, grouping, paging
  api: 'changed',
};

const PROFILES = {
  short: { fleet: 20, perFault: 2, faults: ['broker', 'redis', 'differ', 'responder', 'redis-empty'] as Fault[] },
  full: { fleet: 30, perFault: 3, faults: ['broker', 'redis', 'poller', 'differ', 'responder', 'api', 'redis-empty'] as Fault[] },
};
const profileName = (process.env.CHAOS_PROFILE ?? 'short') as keyof typeof PROFILES;
const PROFILE = PROFILES[profileName] ?? PROFILES.short;
const QUARANTINE_AT = 'high';
const PD_KEY = 'R0UT1NGKEYchaos000000000000000000';
const INTERVAL_S = 3;
const DOWN_MS = { broker: 4_000, redis: 3_000, 'redis-empty': 3_000, worker: 2_000 };
const RECOVER_TIMEOUT_MS = 150_000;

interface FaultResult {
  fault: Fault;
  servers: string[];
  tally: Tally;
  killedAfterChangeMs: number;
  downMs: number;
  /** From the restart until every server of the group was quarantined and paged. */
  recoveredMs: number;
  unplannedExits: string[];
}

describe(`chaos on the distributed deployment (${profileName}: ${PROFILE.fleet} servers, ${PROFILE.faults.length} faults)`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-chaos-'));
  const kafka = new ChaosKafka();
  const redis = new ChaosRedis();
  const fleet = new Fleet();
  const pd = new PagerDutyDouble(PD_KEY);
  const services = new Map<Service, ServiceProcess>();
  const results: FaultResult[] = [];
  let observer: Observer;
  let store: StatePort;
  /** Set by the last test when everything held: only then are the services' logs removed. */
  let passed = false;

  const observed = (): Observed => ({
    snapshots: observer.snapshots.map((s) => s.value),
    alerts: observer.alerts.map((s) => s.value),
    actions: observer.actions.map((s) => s.value),
    baselines: observer.baselines.map((s) => s.value),
    pages: pd
      .events()
      .filter((e) => e.event_action === 'trigger')
      .map((e) => ({ dedupKey: e.dedup_key, serverId: String((e.payload as { source?: string } | undefined)?.source ?? '') })),
  });

  beforeAll(async () => {
    const brokers = await kafka.start();
    await redis.start();
    await pd.start();
    await fleet.start(PROFILE.fleet, 'chaos-');
    const configPath = join(dir, 'driftwatch.yaml');
    writeFileSync(
      configPath,
      JSON.stringify({
        allowPrivateNetwork: true,
        quarantineAt: QUARANTINE_AT,
        defaultRoute: { groupWait: '1s', groupInterval: '2s' },
        receivers: { pagerduty: { type: 'pagerduty', routingKey: '${DW_CHAOS_PD_KEY}', baseUrl: pd.url, allowPrivateNetwork: true } },
        servers: fleet.servers.map((s) => ({ id: s.id, transport: 'http', url: s.url, interval: INTERVAL_S, timeout: 5 })),
      }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_BROKERS: brokers, REDIS_URL: redis.url, DRIFTWATCH_CONFIG: configPath, LOG_LEVEL: 'info', DW_CHAOS_PD_KEY: PD_KEY };
    delete env.DRIFTWATCH_DATA_DIR;
    // The poller last, so nothing is polled before the differ and the responder listen.
    for (const name of ['differ', 'responder', 'api', 'poller'] as Service[]) {
      const svc = new ServiceProcess(name, dir, env);
      services.set(name, svc);
      await svc.start();
    }
    observer = new Observer([brokers], `chaos-observer-${process.pid}`);
    await observer.start();
    store = createRedisStore({ url: redis.url, logger: quietLogger(), maintenanceIntervalMs: 0 });
    await waitUntil(
      `a first-use baseline for each of the ${PROFILE.fleet} servers`,
      () => new Set(observer.baselines.map((b) => b.value.serverId)).size === PROFILE.fleet,
      120_000,
    );
  }, 15 * 60_000);

  afterAll(async () => {
    for (const svc of [...services.values()].reverse()) await svc.stop();
    await observer?.close();
    await store?.close();
    await fleet.close();
    await pd.close();
    await redis.stop();
    await kafka.stop();
    if (!passed || process.env.CHAOS_KEEP_LOGS === '1') process.stderr.write(`[chaos] service logs kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  async function kill(fault: Fault): Promise<void> {
    if (fault === 'broker') await kafka.kill();
    else if (fault === 'redis' || fault === 'redis-empty') await redis.kill();
    else await services.get(fault)!.kill();
  }

  async function restart(fault: Fault): Promise<void> {
    if (fault === 'broker') await kafka.restart();
    else if (fault === 'redis') await redis.restart();
    else if (fault === 'redis-empty') await redis.restart({ empty: true });
    else await services.get(fault)!.start();
  }

  /** Resolves when the stage the fault should interrupt has begun for this group. */
  async function stageReached(fault: Fault, group: Set<string>, since: number): Promise<void> {
    const when = KILL_WHEN[fault];
    if (when === 'changed') return;
    const firstAt = { snapshot: observer.snapshots.length, alert: observer.alerts.length };
    await waitUntil(`a ${when} of the group`, () => {
      const list = when === 'snapshot' ? observer.snapshots.slice(firstAt.snapshot) : observer.alerts.slice(firstAt.alert);
      return list.some((m) => group.has(m.value.serverId)) || Date.now() - since > 60_000;
    }, 70_000);
  }

  const settled = (group: Set<string>): boolean => {
    const o = observed();
    return [...group].every((id) => o.actions.some((a) => a.serverId === id && a.action === 'quarantine') && o.pages.some((p) => p.serverId === id));
  };

  let next = 0;
  for (const fault of PROFILE.faults) {
    it(`kill -9 ${fault} mid-stream: every change is still alerted, quarantined once and paged once`, async () => {
      const ids = fleet.servers.slice(next, next + PROFILE.perFault).map((s) => s.id);
      next += PROFILE.perFault;
      const group = new Set(ids);
      const exitsBefore = [...services.values()].reduce((n, s) => n + s.unplannedExits.length, 0);
      const changedAt = Date.now();
      for (const id of ids) fleet.rugPull(id);
      await stageReached(fault, group, changedAt);
      const killedAt = Date.now();
      await kill(fault);
      const down = fault === 'broker' || fault === 'redis' || fault === 'redis-empty' ? DOWN_MS[fault] : DOWN_MS.worker;
      await sleep(down);
      await restart(fault);
      const restartedAt = Date.now();
      await waitUntil(`${ids.join(', ')} quarantined and paged after ${fault} came back`, () => settled(group), RECOVER_TIMEOUT_MS).catch(() => undefined);
      const recoveredMs = Date.now() - restartedAt;
      const exits = [...services.values()].flatMap((s) => s.unplannedExits).slice(exitsBefore);
      const result: FaultResult = {
        fault,
        servers: ids,
        tally: tally(observed(), group, QUARANTINE_AT),
        killedAfterChangeMs: killedAt - changedAt,
        downMs: down,
        recoveredMs,
        unplannedExits: exits.map((e) => `${e.service} (${e.signal ?? `exit ${e.code}`})`),
      };
      results.push(result);
      const t = result.tally;
      const n = ids.length;
      process.stderr.write(
        `[chaos] ${fault}: killed ${result.killedAfterChangeMs} ms after the change (${KILL_WHEN[fault]}), down ${down} ms; ` +
          `drifted snapshots ${t.driftedSnapshots} (alerted ${t.alertedSnapshots}), servers alerted ${t.serversAlerted}/${n}, ` +
          `quarantines ${t.quarantines}/${n} (${t.quarantineMessages} messages), pages ${t.pages}/${n} (${t.pageEvents} trigger events); ` +
          `recovered ${recoveredMs} ms after the restart; unplanned exits: ${result.unplannedExits.join(', ') || 'none'}\n`,
      );
      expect(settled(group), `every server of the group quarantined and paged within ${RECOVER_TIMEOUT_MS} ms`).toBe(true);
      expect({ alerted: t.serversAlerted, quarantines: t.quarantines, pages: t.pages }).toEqual({ alerted: n, quarantines: n, pages: n });
      expect(t.alertedSnapshots).toBe(t.driftedSnapshots);
    }, RECOVER_TIMEOUT_MS + 270_000);
  }

  it('ends with nothing lost and nothing doubled across the whole run, every quarantine still in force', async () => {
    // Two more poll intervals: a late duplicate (a redelivered alert, a re-sent page) would show now.
    await sleep(2 * INTERVAL_S * 1000 + 3_000);
    await observer.caughtUp(60_000);
    const rugPulled = new Set(fleet.servers.filter((s) => s.rugPulledAt !== undefined).map((s) => s.id));
    const unchanged = new Set(fleet.servers.filter((s) => s.rugPulledAt === undefined).map((s) => s.id));
    const o = observed();
    const problems = violations(o, rugPulled, unchanged, QUARANTINE_AT);
    const stillQuarantined = (await Promise.all([...rugPulled].map(async (id) => ((await store.getQuarantine(id)) ? id : undefined)))).filter(Boolean);
    const all = tally(o, rugPulled, QUARANTINE_AT);
    process.stderr.write(
      `[chaos] whole run: ${fleet.servers.length} servers (${rugPulled.size} rug pulled, ${unchanged.size} unchanged); ` +
        `${o.snapshots.length} snapshot messages, ${o.alerts.length} alerts, quarantines ${all.quarantines} (${all.quarantineMessages} messages), ` +
        `pages ${all.pages} (${all.pageEvents} trigger events), first-use baselines ${o.baselines.filter((b) => b.origin === 'tofu').length}; ` +
        `quarantined at the end ${stillQuarantined.length}/${rugPulled.size}; problems: ${problems.length}\n`,
    );
    if (process.env.CHAOS_REPORT) writeFileSync(process.env.CHAOS_REPORT, JSON.stringify({ profile: profileName, results, whole: all, problems }, null, 2));
    expect(problems).toEqual([]);
    expect(stillQuarantined.length).toBe(rugPulled.size);
    passed = true;
  }, 180_000);
});
