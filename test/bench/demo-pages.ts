/**
 * Pages per incident in the demo, measured at the pager: runs demo/driftwatch.yaml embedded (the
 * demo's own fleet, the notes server included, default incident timing) for a while with a
 * PagerDuty double as the only receiver, rug-pulls `daily-facts` after RUGPULL_AFTER seconds,
 * and prints how many PagerDuty events each incident caused and how long the change took to
 * reach the pager and the quarantine. Before incidents the demo's one rug pull sent five pages.
 *
 *   node --import tsx test/bench/demo-pages.ts [--seconds 60] [--rugpull-after 10] [--json]
 *
 * Traffic stays on 127.0.0.1 (the double, the notes server, the API).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { parseConfig } from '@driftwatch/runtime';
import { startApp } from '@driftwatch/cli';
import { PagerDutyDouble } from '../support/receivers/index.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const DEMO = join(ROOT, 'demo');
const RUGPULL_SERVER = 'daily-facts';
const ROUTING_KEY = 'benchdemopagesroutingkey0000000';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'rugpull-after': { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  },
});
const seconds = Number(args.seconds);
const rugpullAfter = Number(args['rugpull-after']);
if (!(seconds > rugpullAfter && rugpullAfter >= 0)) throw new Error('--seconds must be more than --rugpull-after');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitForHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(500) })).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

const work = mkdtempSync(join(tmpdir(), 'dw-demo-pages-'));
const pd = new PagerDutyDouble(ROUTING_KEY);
await pd.start();

// The demo's notes server, as demo/start.mjs runs it (its own port, loopback only).
const notesPort = await freePort();
const notes = spawn(process.execPath, ['--import', 'tsx', 'servers/notes-http.ts'], {
  cwd: DEMO,
  env: { ...process.env, PORT: String(notesPort), HOST: '127.0.0.1', ALLOWED_HOSTS: '' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
await waitForHealthy(`http://127.0.0.1:${notesPort}/healthz`, 20_000);

// The demo config as shipped, plus one receiver: the double (a ${VAR} secret, as documented).
const since = Date.now();
const changeAt = since + rugpullAfter * 1000;
const text = `${readFileSync(join(DEMO, 'driftwatch.yaml'), 'utf8')}
receivers:
  pager:
    type: pagerduty
    routingKey: \${DW_BENCH_PD_ROUTING_KEY}
    baseUrl: ${pd.url}
    allowPrivateNetwork: true
`;
const env = {
  ...process.env,
  DW_BENCH_PD_ROUTING_KEY: ROUTING_KEY,
  RUGPULL_AFTER: String(rugpullAfter),
  RUGPULL_SINCE: String(since),
  RUGPULL_STATE: join(work, 'rugpull.json'),
  NOTES_PORT: String(notesPort),
};
const config = parseConfig(text, { source: 'demo/driftwatch.yaml + pager', baseDir: DEMO, env });

const app = await startApp({
  roles: ['poller', 'differ', 'responder', 'api'],
  config,
  logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }),
  dataDir: join(work, 'data'),
  port: 0,
  host: '127.0.0.1',
  instanceId: 'demo-pages',
  signals: null,
});
const get = async (path: string): Promise<any> => (await fetch(`http://127.0.0.1:${app.port}${path}`)).json();

process.stderr.write(`demo-pages: running the demo for ${seconds} s; ${RUGPULL_SERVER} rug-pulls at ${rugpullAfter} s\n`);
let quarantineSeenAt: number | undefined;
const end = since + seconds * 1000;
while (Date.now() < end) {
  if (quarantineSeenAt === undefined) {
    const s = await get(`/v1/servers/${RUGPULL_SERVER}`);
    if (s.status === 'quarantined') quarantineSeenAt = Date.now();
  }
  await sleep(quarantineSeenAt === undefined ? 50 : 1000);
}

const server = await get(`/v1/servers/${RUGPULL_SERVER}`);
const { incidents } = (await get('/v1/incidents?limit=100')) as { incidents: Array<{ id: string; serverId: string; status: string; alertCounts: { total: number } }> };
const rugIncident = incidents.find((i) => i.serverId === RUGPULL_SERVER);
// When the poll that saw the change ran: the earliest alert's time (the differ's clock).
const observedAt = rugIncident ? Math.min(...((await get(`/v1/incidents/${rugIncident.id}`)).incident.alerts as Array<{ time: string }>).map((a) => Date.parse(a.time))) : undefined;
await app.close();
notes.kill('SIGTERM');
await pd.close();
rmSync(work, { recursive: true, force: true });

const events = pd.events();
const perIncident = incidents.map((i) => {
  const mine = events.filter((e) => e.dedup_key === i.id);
  return {
    incident: i.id,
    server: i.serverId,
    status: i.status,
    alerts: i.alertCounts.total,
    triggers: mine.filter((e) => e.event_action === 'trigger').length,
    events: mine.length,
  };
});
const rug = perIncident.find((p) => p.server === RUGPULL_SERVER);
const rugTrigger = rug ? pd.accepted().find((r) => (r.json as { dedup_key?: string }).dedup_key === rug.incident && (r.json as { event_action?: string }).event_action === 'trigger') : undefined;
const quarantineAt = server.quarantine?.at ? Date.parse(server.quarantine.at) : undefined;
const paged = perIncident.filter((p) => p.triggers > 0);
const result = {
  seconds,
  rugpullAfterS: rugpullAfter,
  incidents: perIncident.length,
  pagerEvents: events.length,
  triggers: events.filter((e) => e.event_action === 'trigger').length,
  unknownKeys: events.filter((e) => !incidents.some((i) => i.id === e.dedup_key)).length,
  pagesPerIncident: paged.length ? paged.reduce((n, p) => n + p.triggers, 0) / paged.length : 0,
  rugPull: rug
    ? {
        alerts: rug.alerts,
        triggers: rug.triggers,
        changeToTriggerMs: rugTrigger ? rugTrigger.at - changeAt : null,
        /** The demo polls every 5 s: part of change → trigger is waiting for the next poll. */
        changeToObservedMs: observedAt !== undefined ? observedAt - changeAt : null,
        observedToTriggerMs: rugTrigger && observedAt !== undefined ? rugTrigger.at - observedAt : null,
        changeToQuarantineMs: quarantineAt !== undefined ? quarantineAt - changeAt : null,
        changeToQuarantineVisibleMs: quarantineSeenAt !== undefined ? quarantineSeenAt - changeAt : null,
        quarantineToTriggerMs: rugTrigger && quarantineAt !== undefined ? rugTrigger.at - quarantineAt : null,
      }
    : null,
  problemsAtTheDouble: pd.problems(),
  perIncident,
};

if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else {
  const r = result.rugPull;
  process.stdout.write(
    [
      `demo for ${seconds} s (rug pull at ${rugpullAfter} s, default incident timing: group_wait 5 s):`,
      `  incidents ${result.incidents}, PagerDuty events ${result.pagerEvents} (triggers ${result.triggers}), pages per paged incident ${result.pagesPerIncident.toFixed(2)}`,
      ...perIncident.map((p) => `  ${p.server}: ${p.alerts} alerts → ${p.triggers} trigger(s), ${p.events} event(s) [${p.status}]`),
      r
        ? `  ${RUGPULL_SERVER}: change → quarantine ${r.changeToQuarantineMs} ms (visible in the API ${r.changeToQuarantineVisibleMs} ms), change → PagerDuty trigger ${r.changeToTriggerMs} ms; change → observed by a poll ${r.changeToObservedMs} ms, observed → trigger ${r.observedToTriggerMs} ms, quarantine → trigger ${r.quarantineToTriggerMs} ms`
        : `  ${RUGPULL_SERVER}: no incident (did the rug pull happen?)`,
      `  problems found by the double: ${result.problemsAtTheDouble.length}`,
    ].join('\n') + '\n',
  );
}
process.exit(result.problemsAtTheDouble.length || !rug || rug.triggers !== 1 ? 1 : 0);
