import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { dlqTopic, TOPICS } from '@driftwatch/core';
import { createLogger, loadConfig } from '@driftwatch/runtime';
import { startApp, type App, type Role } from '@driftwatch/cli';
import { startEchoSecretsHttpServer } from '../fixtures/servers/echo-secrets.js';
import type { RunningServer } from '../fixtures/servers/http-util.js';
import { OPERATOR, ROOT, e2eAuthenticator, getJson, removeTempDirs, tempDir, waitFor } from './helpers.js';

/**
 * The secrets canary: credentials given to servers through a `${VAR}` env value, a header, a URL
 * password and a URL query key are echoed back by real MCP servers (on stderr, in their tool
 * text, before crashing) and must never appear, in any form the scrubber covers, in the logs at
 * the default level, the data dir, any API answer, /metrics, `scan` output or a Kafka topic.
 * The servers that feed a credential to the model are quarantined with a critical alert.
 */

const CLI = join(ROOT, 'services/cli/bin/driftwatch.mjs');
const ECHO = join(ROOT, 'test/fixtures/servers/echo-secrets.ts');

const alnum = (n: number) => randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, n);
/** Fresh per run, so nothing left on a shared broker by an earlier run can pass for (or hide) a leak. */
const SECRETS = {
  /** 5 characters, through `${DW_CANARY_ENV}`; `"` and `\` change its JSON form. */
  env: `${alnum(1)}"${alnum(1)}\\${alnum(1)}`,
  header: `hdr+${alnum(6)}/9"x`,
  password: `pw/${alnum(6)}`,
  query: `Q ${alnum(6)}&7`,
};
const USER = 'canary';
const ALL = [SECRETS.env, SECRETS.header, SECRETS.password, SECRETS.query, `${USER}:${SECRETS.password}`];

/** Every spelling the scrubber promises to cover. */
function forms(v: string): string[] {
  const b = Buffer.from(v, 'utf8');
  const json = JSON.stringify(v).slice(1, -1);
  return [
    v,
    json,
    JSON.stringify(json).slice(1, -1),
    encodeURIComponent(v),
    new URLSearchParams({ k: v }).toString().slice(2),
    b.toString('base64').replace(/=+$/, ''),
    b.toString('base64url'),
    b.toString('hex'),
    b.toString('hex').toUpperCase(),
  ];
}

function leaksIn(where: string, text: string): string[] {
  const found: string[] = [];
  for (const s of ALL) for (const f of new Set(forms(s))) if (text.includes(f)) found.push(`${where}: ${JSON.stringify(f)} (a form of ${JSON.stringify(s)})`);
  return found;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The config: the leaky stdio server (serving, crashing, hanging) and the leaky HTTP server. */
function writeConfig(dir: string, httpUrl: string, prefix = ''): string {
  const url = new URL(httpUrl);
  url.username = USER;
  url.password = encodeURIComponent(SECRETS.password);
  url.searchParams.set('key', SECRETS.query);
  const stdio = (id: string, mode: string, timeout: string) => `  - id: ${prefix}${id}
    transport: stdio
    command: ${JSON.stringify(process.execPath)}
    args: ["--import", "tsx", ${JSON.stringify(ECHO)}]
    cwd: ${JSON.stringify(ROOT)}
    interval: 2s
    timeout: ${timeout}
    env:
      CANARY: "\${DW_CANARY_ENV}"
      ECHO_VARS: CANARY
      ECHO_MODE: ${mode}
`;
  const file = join(dir, 'driftwatch.yaml');
  writeFileSync(
    file,
    `quarantineAt: high
servers:
${stdio('leak-env', 'serve', '15s')}${stdio('leak-crash', 'crash', '15s')}${stdio('leak-hang', 'hang', '3s')}  - id: ${prefix}leak-http
    transport: http
    url: ${JSON.stringify(url.href)}
    # The leaky HTTP server listens on 127.0.0.1 (the SSRF guard refuses loopback otherwise).
    allowPrivateNetwork: true
    headers:
      X-Canary-Token: ${JSON.stringify(SECRETS.header)}
    interval: 2s
    timeout: 10s
`,
  );
  return file;
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** The CLI as an operator runs it: embedded, default log level, the secret in its environment. */
function runCli(args: string[]): Running {
  const env: NodeJS.ProcessEnv = { ...process.env, DW_CANARY_ENV: SECRETS.env };
  delete env.KAFKA_BROKERS;
  delete env.REDIS_URL;
  delete env.LOG_LEVEL;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

type Alert = { kind: string; subject: string; severity: string };
const kindsOf = (alerts: Alert[], kind: string) => alerts.filter((a) => a.kind === kind).map((a) => a.subject).sort();

let http: RunningServer;
const running: Running[] = [];
beforeAll(async () => {
  http = await startEchoSecretsHttpServer();
});
afterEach(async () => {
  for (const r of running.splice(0)) {
    if (r.child.exitCode !== null) continue;
    r.child.kill('SIGTERM');
    const forced = setTimeout(() => r.child.kill('SIGKILL'), 15_000);
    await r.exited;
    clearTimeout(forced);
  }
});
afterAll(async () => {
  await http?.close();
  removeTempDirs();
});

describe('secrets canary: embedded driftwatch start and scan', () => {
  it('never shows a configured secret in logs, the data dir, the API, /metrics or scan output, and quarantines the leaky servers', async () => {
    const dir = tempDir('canary');
    const cfg = writeConfig(dir, http.url);
    const dataDir = join(dir, 'data');
    const port = await freePort();
    const run = runCli(['start', '--config', cfg, '--port', String(port), '--data-dir', dataDir]);
    running.push(run);

    const servers = await waitFor(
      'leaky servers quarantined, crashing one unreachable',
      async () => {
        const { body } = await getJson(port, '/v1/servers');
        const by = Object.fromEntries(body.servers.map((s: { id: string }) => [s.id, s]));
        const ready = by['leak-env']?.status === 'quarantined' && by['leak-http']?.status === 'quarantined' && by['leak-crash']?.status === 'unreachable' && by['leak-hang']?.lastError;
        return ready ? by : undefined;
      },
      90_000,
    );
    // A few more polls of every server, so repeated polls are covered too.
    const since = Date.parse(servers['leak-env'].lastPollAt);
    await waitFor('three more polls', async () => Date.parse((await getJson(port, '/v1/servers/leak-env')).body.lastPollAt) >= since + 3 * 2000 - 500, 60_000);

    // The alerts that must be there: one critical per exposed secret, on the server that leaked it.
    const alerts = (await getJson(port, '/v1/alerts?limit=1000')).body.alerts as Alert[];
    const envAlerts = (await getJson(port, '/v1/alerts?serverId=leak-env')).body.alerts as Alert[];
    const httpAlerts = (await getJson(port, '/v1/alerts?serverId=leak-http')).body.alerts as Alert[];
    expect(kindsOf(envAlerts, 'server.secret_exposed')).toEqual(['env:CANARY']);
    expect(kindsOf(httpAlerts, 'server.secret_exposed')).toEqual(['header:X-Canary-Token', 'url:password', 'url:query:key']);
    expect(alerts.filter((a) => a.kind === 'server.secret_exposed').every((a) => a.severity === 'critical')).toBe(true);
    // The crash was reported in our words; the stdout line it quoted was masked, not dropped.
    const crash = (await getJson(port, '/v1/servers/leak-crash')).body;
    expect(crash.lastError.reason).toMatch(/exited with code 3/);
    expect(crash.lastError.reason).toMatch(/it wrote \d+ bytes to stderr/);
    expect(crash.lastError.reason).toContain('[redacted:env:CANARY]');

    const answers: Array<[string, string]> = [];
    for (const path of ['/v1/servers', '/v1/alerts?limit=1000', '/v1/actions?limit=1000', '/v1/allowlist']) {
      answers.push([path, JSON.stringify((await getJson(port, path)).body)]);
    }
    for (const id of ['leak-env', 'leak-crash', 'leak-hang', 'leak-http']) {
      answers.push([`/v1/servers/${id}`, JSON.stringify((await getJson(port, `/v1/servers/${id}`)).body)]);
      answers.push([`/v1/alerts?serverId=${id}`, JSON.stringify((await getJson(port, `/v1/alerts?serverId=${id}&limit=1000`)).body)]);
    }
    answers.push(['/metrics', await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()]);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    const files = filesUnder(dataDir);
    expect(files.length).toBeGreaterThan(0);
    const dataText = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(dataText).toContain('[redacted:env:CANARY]');
    expect(dataText).toContain('[redacted:header:X-Canary-Token]');

    // --allow-unreachable: the crashing and hanging servers would otherwise make it exit 3.
    const scanJson = runCli(['scan', '--config', cfg, '--format', 'json', '--allow-unreachable']);
    const scanText = runCli(['scan', '--config', cfg, '--format', 'text', '--allow-unreachable']);
    running.push(scanJson, scanText);
    // Critical findings: exit 1 (not 2, a usage or config error).
    expect(await scanJson.exited).toBe(1);
    expect(await scanText.exited).toBe(1);
    const report = JSON.parse(scanJson.stdout()) as { findings: Array<{ server?: string; ruleId: string; severity: string }> };
    expect(report.findings.filter((f) => f.ruleId === 'server.secret_exposed').map((f) => f.server).sort()).toEqual(['leak-env', 'leak-http', 'leak-http', 'leak-http']);
    expect(scanText.stdout()).toContain('server.secret_exposed');

    const leaks = [
      ...leaksIn('start stdout', run.stdout()),
      ...leaksIn('start stderr', run.stderr()),
      ...files.flatMap((f) => leaksIn(f, readFileSync(f, 'utf8'))),
      ...answers.flatMap(([where, text]) => leaksIn(where, text)),
      ...leaksIn('scan json', scanJson.stdout() + scanJson.stderr()),
      ...leaksIn('scan text', scanText.stdout() + scanText.stderr()),
    ];
    expect(leaks).toEqual([]);
    // The logs were written at the default level and did talk about these servers.
    expect(run.stdout()).toContain('"level":"warn"');
    expect(run.stdout()).toContain('leak-crash');
  });
});

describe('secrets canary: distributed pipeline on Kafka and Redis', () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  const redisUrl = process.env.REDIS_URL ?? '';
  const ns = `canary${randomUUID().slice(0, 8)}-`;
  const apps: App[] = [];
  const logLines: string[] = [];

  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
  });

  it('publishes no form of a configured secret on any topic, and quarantines the leaky servers', async () => {
    expect(brokers.length, 'KAFKA_BROKERS from the integration globalSetup').toBeGreaterThan(0);
    const dir = tempDir('canary-kafka');
    // Loaded the way every service loads it: provenance of ${VAR} values and the log scrubber.
    const config = await loadConfig(writeConfig(dir, http.url, ns), { env: { ...process.env, DW_CANARY_ENV: SECRETS.env } });
    const ids = config.servers.map((s) => s.id);
    const logger = createLogger({ name: 'canary', level: 'info', destination: new Writable({ write: (c: Buffer, _e, cb) => (logLines.push(c.toString()), cb()) }) });
    const start = async (role: Role) => {
      const app = await startApp({ roles: [role], config, logger, kafkaBrokers: brokers, redisUrl, dataDir: dir, port: 0, host: '127.0.0.1', instanceId: `${role}-${ns}`, namespace: ns, authenticator: e2eAuthenticator() });
      apps.push(app);
      return app;
    };
    await start('responder');
    await start('differ');
    const api = await start('api');
    await start('poller');

    await waitFor(
      'leaky servers quarantined',
      async () => {
        const { body } = await getJson(api.port, '/v1/servers', OPERATOR);
        const by = Object.fromEntries(body.servers.map((s: { id: string; status: string }) => [s.id, s.status]));
        return by[`${ns}leak-env`] === 'quarantined' && by[`${ns}leak-http`] === 'quarantined' && by[`${ns}leak-crash`] === 'unreachable';
      },
      90_000,
    );
    const alerts = (await getJson(api.port, `/v1/alerts?serverId=${ns}leak-http&limit=1000`, OPERATOR)).body.alerts as Alert[];
    expect(kindsOf(alerts, 'server.secret_exposed')).toEqual(['header:X-Canary-Token', 'url:password', 'url:query:key']);

    // Every message on every topic (and its dead-letter topic), read from the beginning.
    const topics = Object.values(TOPICS).flatMap((t) => [t, dlqTopic(t)]);
    const kafka = new Kafka({ brokers, clientId: `${ns}reader`, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const wanted = new Map<string, number>();
    for (const topic of topics.filter((t) => existing.has(t))) {
      for (const p of await admin.fetchTopicOffsets(topic)) if (Number(p.high) > 0) wanted.set(`${topic}/${p.partition}`, Number(p.high));
    }
    await admin.disconnect();
    const values: Array<{ topic: string; key: string; value: string }> = [];
    const reached = new Set<string>();
    const consumer = kafka.consumer({ groupId: `${ns}canary-reader` });
    await consumer.connect();
    await consumer.subscribe({ topics: topics.filter((t) => existing.has(t)), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        values.push({ topic, key: message.key?.toString() ?? '', value: message.value?.toString('utf8') ?? '' });
        const id = `${topic}/${partition}`;
        if (Number(message.offset) + 1 >= (wanted.get(id) ?? 0)) reached.add(id);
      },
    });
    await waitFor('every topic read to its end', async () => [...wanted.keys()].every((k) => reached.has(k)), 60_000, 200);
    await consumer.disconnect();

    const ours = values.filter((m) => ids.includes(m.key));
    expect(ours.some((m) => m.topic === TOPICS.snapshots && m.value.includes('[redacted:env:CANARY]'))).toBe(true);
    expect(ours.some((m) => m.topic === TOPICS.alerts && m.value.includes('server.secret_exposed'))).toBe(true);
    expect(ours.some((m) => m.topic === TOPICS.actions && m.value.includes('quarantine'))).toBe(true);
    const leaks = [...values.flatMap((m) => leaksIn(`${m.topic} key ${m.key}`, m.key + m.value)), ...leaksIn('service logs', logLines.join(''))];
    expect(leaks).toEqual([]);
  });
});
