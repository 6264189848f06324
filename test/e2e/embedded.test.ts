import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { BENIGN_TOOLS, POISONED_DESCRIPTION, ROOT, getJson, removeTempDirs, tempDir, waitFor, writeState } from './helpers.js';
import { fixtureEntry, type FixtureName } from '../fixtures/servers/launch.js';

const CLI = join(ROOT, 'services/cli/bin/driftwatch.mjs');

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

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** The CLI as a user runs it, on the embedded default (no Kafka, no Redis in its environment). */
function runCli(args: string[]): Running {
  const env = { ...process.env };
  delete env.KAFKA_BROKERS;
  delete env.REDIS_URL;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

function yamlConfig(dir: string, servers: string): string {
  const file = join(dir, 'driftwatch.yaml');
  writeFileSync(file, `quarantineAt: high\nservers:\n${servers}`);
  return file;
}

function fixtureYaml(id: string, script: string, env: Record<string, string> = {}, extra = ''): string {
  const envLines = Object.entries(env).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}\n`).join('');
  // command, args and cwd as launch.ts builds them: visible inside the stdio sandbox.
  const entry = fixtureEntry(script.replace(/\.ts$/, '') as FixtureName, env, id);
  return `  - id: ${id}
    transport: stdio
    command: ${JSON.stringify(entry.command)}
    args: ${JSON.stringify(entry.args)}
    cwd: ${JSON.stringify(entry.cwd)}
    interval: 1s
    # A sandboxed fixture starts with a cold tsx cache (its /tmp is private): allow for a busy box.
    timeout: 8s
    env:
${envLines || '      {}\n'}${extra}`;
}

const running: Running[] = [];
afterAll(() => removeTempDirs());
// Stop the way an operator would (SIGTERM: in-flight probes finish and kill their servers), and
// only then force it; a SIGKILLed driftwatch would orphan the probe's server process group.
afterEach(async () => {
  for (const r of running.splice(0)) {
    if (r.child.exitCode !== null) continue;
    r.child.kill('SIGTERM');
    const forced = setTimeout(() => r.child.kill('SIGKILL'), 15_000);
    await r.exited;
    clearTimeout(forced);
  }
});

describe('driftwatch start (embedded default)', () => {
  it('keeps its baseline across a restart and catches a change made while it was down', async () => {
    const dir = tempDir('restart');
    const state = join(dir, 'state.json');
    writeState(state, { tools: BENIGN_TOOLS });
    const cfg = yamlConfig(dir, fixtureYaml('mail', 'mutable.ts', { FIXTURE_STATE: state }));
    const dataDir = join(dir, 'data');
    const port = await freePort();

    const first = runCli(['start', '--config', cfg, '--port', String(port), '--data-dir', dataDir]);
    running.push(first);
    await waitFor('first run baselines the server', async () => (await getJson(port, '/v1/servers/mail')).body.status === 'ok', 60_000);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // Changed while nobody watched.
    writeState(state, { tools: [{ ...BENIGN_TOOLS[0], description: POISONED_DESCRIPTION }, BENIGN_TOOLS[1]!] });

    const second = runCli(['start', '--config', cfg, '--port', String(port), '--data-dir', dataDir]);
    running.push(second);
    const server = await waitFor(
      'second run catches the change',
      async () => {
        const { body } = await getJson(port, '/v1/servers/mail');
        return body.status === 'quarantined' ? body : undefined;
      },
      60_000,
    );
    expect(server.openAlerts.map((a: { kind: string }) => a.kind)).toContain('tool.description_changed');
    // The responder logs after it has announced and audited the quarantine the API already shows.
    const logged = () => second.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string }).some((l) => l.msg === 'server quarantined');
    await waitFor('the quarantine log line', async () => logged(), 10_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('marks hanging and garbage-speaking servers unreachable with a reason and keeps polling the rest', async () => {
    const dir = tempDir('bad-servers');
    const state = join(dir, 'state.json');
    writeState(state, { tools: BENIGN_TOOLS });
    const cfg = yamlConfig(
      dir,
      fixtureYaml('hangs', 'hang.ts') + fixtureYaml('garbage', 'garbage.ts') + fixtureYaml('fine', 'mutable.ts', { FIXTURE_STATE: state }),
    );
    const port = await freePort();
    const run = runCli(['start', '--config', cfg, '--port', String(port), '--data-dir', join(dir, 'data')]);
    running.push(run);
    const servers = await waitFor(
      'bad servers unreachable, good one ok',
      async () => {
        const { body } = await getJson(port, '/v1/servers');
        const by = Object.fromEntries(body.servers.map((s: { id: string }) => [s.id, s]));
        return by.hangs?.status === 'unreachable' && by.garbage?.status === 'unreachable' && by.fine?.status === 'ok' ? by : undefined;
      },
      60_000,
    );
    expect(servers.hangs.lastError.code).toBe('timeout');
    expect(servers.hangs.lastError.reason.length).toBeGreaterThan(0);
    expect(servers.garbage.lastError.reason.length).toBeGreaterThan(0);
    const firstPoll = Date.parse(servers.fine.lastPollAt);
    // The worker lives on: the good server keeps being polled after the bad ones failed.
    await waitFor('fine polled again', async () => Date.parse((await getJson(port, '/v1/servers/fine')).body.lastPollAt) > firstPoll, 15_000);
    const alerts = (await getJson(port, '/v1/alerts?serverId=hangs')).body.alerts;
    expect(alerts.map((a: { kind: string }) => a.kind)).toContain('server.unreachable');
    expect(run.child.exitCode).toBeNull();
  });

  it('refuses a config with a bad field and names the field', async () => {
    const dir = tempDir('bad-config');
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'servers:\n  - id: a\n    transport: http\n    url: not-a-url\n  - id: b\n    transport: stdio\n    command: node\n    intervall: 5s\n');
    const run = runCli(['start', '--config', cfg, '--port', '0', '--data-dir', join(dir, 'data')]);
    running.push(run);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('servers[0].url');
    expect(run.stderr()).toMatch(/servers\[1\].*intervall/);
  });
});
