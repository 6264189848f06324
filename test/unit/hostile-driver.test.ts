/**
 * The hostile driver's own helpers (process scanner, percentiles, Prometheus parsing, config
 * refusal handling), the behaviour table's consistency with the fixtures and their README, and
 * the lean stdio loop's faithfulness to the SDK server it stands in for.
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BEHAVIOURS, hostileBehaviours } from '../hostile/behaviours.js';
import { canaryForms, findCanary, makeCanary } from '../hostile/canary.js';
import { configEntry, isLocalUrl, parseRefusal, resolveRefusal, runPaths, type EntryContext } from '../hostile/config.js';
import { parsePollLog, pollLogFigures, type PollLogLine } from '../hostile/poll-log.js';
import { parseStat, scanMarked } from '../hostile/procs.js';
import { alertLabel, behaviourResult } from '../hostile/results.js';
import { parseProm, percentile, promSum, summarize } from '../hostile/stats.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const FIXTURES = join(ROOT, 'test/fixtures/hostile');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dw-hostile-unit-'));
  dirs.push(d);
  return d;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  it('is the nearest rank, a value that was observed', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([7], 99)).toBe(7);
  });
  it('lets one slow sample in a hundred show at p99 only when there are more than a hundred', () => {
    const samples = [...Array.from({ length: 99 }, () => 2), 4000];
    expect(percentile(samples, 99)).toBe(2);
    expect(percentile([...samples, 4000], 99)).toBe(4000);
  });
  it('is NaN without samples and refuses a p outside 0..100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(summarize([3, 1, 2])).toEqual({ samples: 3, p50: 2, p99: 3, max: 3 });
  });
});

describe('parseProm', () => {
  // The series as driftwatch exposes them now: no `server` label (packages/runtime/src/metrics.ts).
  const text = [
    '# HELP driftwatch_polls_total Polls of MCP servers, by outcome (ok, failure).',
    '# TYPE driftwatch_polls_total counter',
    'driftwatch_polls_total{outcome="ok"} 44',
    'driftwatch_polls_total{outcome="failure"} 18',
    'driftwatch_alerts_total{kind="server.unreachable",severity="medium"} 5',
    'driftwatch_alerts_total{kind="server.unreachable",severity="high"} 2',
    'driftwatch_alerts_total{kind="tool.description_changed",severity="high"} 3',
    'driftwatch_weird{label="a \\"quoted\\" \\\\ value"} 2.5',
    'driftwatch_up 1',
  ].join('\n');
  it('reads samples with their labels and sums by label match', () => {
    const samples = parseProm(text);
    expect(promSum(samples, 'driftwatch_polls_total', { outcome: 'ok' })).toBe(44);
    expect(promSum(samples, 'driftwatch_polls_total')).toBe(62);
    expect(promSum(samples, 'driftwatch_alerts_total', { kind: 'server.unreachable' })).toBe(7);
    expect(promSum(samples, 'driftwatch_alerts_total', { kind: 'server.unreachable', severity: 'high' })).toBe(2);
    // A label a series does not carry matches nothing (what a per-server read of today's metrics gets).
    expect(promSum(samples, 'driftwatch_polls_total', { server: 'good', outcome: 'ok' })).toBe(0);
    expect(promSum(samples, 'driftwatch_up')).toBe(1);
    expect(samples.find((s) => s.name === 'driftwatch_weird')?.labels.label).toBe('a "quoted" \\ value');
    expect(promSum(samples, 'absent')).toBe(0);
  });
});

describe('parseStat', () => {
  it('counts fields from the last ")" so a command name with spaces and parentheses cannot shift them', () => {
    const line = '4242 (evil) name (x)) Z 1 4242 4242 0 -1 4194304 80 0 0 0 11 7 3 2 20 0 1 0 175562 2560 0';
    const s = parseStat(line);
    expect(s).toMatchObject({ state: 'Z', ppid: 1, utime: 11, stime: 7, cutime: 3, cstime: 2, startTicks: 175562 });
  });
  it('reads this very process', () => {
    const s = parseStat(readFileSync(`/proc/${process.pid}/stat`, 'utf8'));
    expect(s.ppid).toBe(process.ppid);
    expect(['R', 'S']).toContain(s.state);
  });
});

describe('scanMarked', () => {
  it('finds every process carrying the run marker and counts a zombie as gone', async () => {
    const runId = `hrunit${process.pid}${Date.now()}`;
    // `sleep 0` exits at once; its parent execs into `sleep 3`, which never reaps it: a zombie.
    const child = spawn('/bin/sh', ['-c', 'sleep 0 & exec sleep 3'], { env: { ...process.env, DW_HOSTILE_RUN: runId, HOSTILE: 'unit' }, stdio: 'ignore' });
    await sleep(400);
    const found = scanMarked(runId);
    expect(found.map((p) => p.pid)).toEqual([child.pid]);
    expect(found[0]).toMatchObject({ behaviour: 'unit', command: 'sleep 3' });
    expect(found[0]!.ageSeconds).toBeLessThan(5);
    const zombies = execFileSync('ps', ['-o', 'stat=', '--ppid', String(child.pid)], { encoding: 'utf8' });
    expect(zombies.trim()).toMatch(/^Z/);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(scanMarked(runId)).toEqual([]);
  });
});

describe('config refusals', () => {
  const rows = BEHAVIOURS.filter((b) => ['good', 'http-good', 'ssrf-unspecified'].includes(b.id));
  const stderr = [
    'driftwatch: /tmp/x/driftwatch.json: servers[1]: unrecognized key "allowPrivateNetwork"',
    '/tmp/x/driftwatch.json: servers[0]: unrecognized key "sandbox"',
    '/tmp/x/driftwatch.json: servers[2].url: must not point at an unspecified address',
  ].join('\n');
  it('parses the CLI\'s lines', () => {
    expect(parseRefusal(stderr)).toEqual([
      { index: 1, message: 'unrecognized key "allowPrivateNetwork"', unknownKey: 'allowPrivateNetwork' },
      { index: 0, message: 'unrecognized key "sandbox"', unknownKey: 'sandbox' },
      { index: 2, field: 'url', message: 'must not point at an unspecified address' },
    ]);
  });
  it('drops offered keys, records SSRF rows as refused, and flags everything else', () => {
    const r = resolveRefusal(parseRefusal(stderr), rows, new Set(['allowPrivateNetwork', 'sandbox']));
    expect(r.dropKeys.sort()).toEqual(['allowPrivateNetwork', 'sandbox']);
    expect(r.refused).toEqual([{ id: 'ssrf-unspecified', message: 'must not point at an unspecified address' }]);
    expect(r.unexplained).toEqual([]);
    const odd = resolveRefusal(parseRefusal('x: servers[0].command: must not be empty'), rows, new Set());
    expect(odd.unexplained).toHaveLength(1);
  });
});

describe('config entries', () => {
  const dir = temp();
  const ctx: EntryContext = {
    runId: 'hrtest',
    ports: { port: 1234, otherPort: 5678 },
    egressPort: 9999,
    paths: runPaths(dir, FIXTURES),
    canary: makeCanary(),
    sdk: 'good',
    interval: 10,
    timeout: 4,
  };
  it('point only at loopback, except rows marked off-host', () => {
    for (const b of BEHAVIOURS.filter((x) => x.transport !== 'stdio')) {
      const url = String(configEntry(b, ctx).url);
      expect(isLocalUrl(url), `${b.id}: ${url}`).toBe(!b.offHost);
    }
    expect(isLocalUrl('http://2130706433:80/')).toBe(true);
    expect(isLocalUrl('http://169.254.169.254/')).toBe(false);
  });
  it('give each stdio fixture only the knobs it needs (every env value is a secret to the product)', () => {
    const env = (id: string) => configEntry(BEHAVIOURS.find((b) => b.id === id)!, ctx).env as Record<string, string>;
    expect(Object.keys(env('never-answers')).sort()).toEqual(['DW_HOSTILE_RUN', 'HOSTILE']);
    expect(env('good').HOSTILE_SDK).toBe('1');
    expect(env('rug-description').SWAP_FILE).toBe(join(dir, 'swap', 'rug-description'));
    // A reference, resolved from driftwatch's environment: the value never sits in the config file.
    expect(env('echo-secret-tool').DW_CANARY).toBe('${DW_CANARY}');
    expect(env('network-egress').EGRESS_PORT).toBe('9999');
    expect(env('garbage').DW_CANARY).toBeUndefined();
  });
  it('give the good server (only) a poll log in its cwd, which a sandbox lets it write', () => {
    const good = configEntry(BEHAVIOURS.find((b) => b.id === 'good')!, ctx);
    expect((good.env as Record<string, string>).HOSTILE_POLL_LOG).toBe(ctx.paths.goodPollLog);
    expect(ctx.paths.goodPollLog.startsWith(`${String(good.cwd)}/`)).toBe(true);
    expect(good.writableCwd).toBe(true);
    expect(readFileSync(ctx.paths.goodPollLog, 'utf8')).toBe('');
    expect(ctx.paths.goodControlPollLog).not.toBe(ctx.paths.goodPollLog);
    for (const b of BEHAVIOURS.filter((x) => x.transport === 'stdio' && x.id !== 'good')) {
      expect((configEntry(b, ctx).env as Record<string, string>).HOSTILE_POLL_LOG, b.id).toBeUndefined();
    }
  });
});

describe('results', () => {
  it('labels alerts by kind at their highest severity, worst first', () => {
    const label = alertLabel([
      { kind: 'server.unreachable', severity: 'medium', status: 'resolved' },
      { kind: 'tool.description_changed', severity: 'high', status: 'open' },
      { kind: 'server.unreachable', severity: 'high', status: 'open' },
      { kind: 'content.hidden-unicode', severity: 'critical', status: 'open' },
    ]);
    expect(label).toBe('content.hidden-unicode:critical server.unreachable:high tool.description_changed:high');
  });
  it('judges a row by its outcome and its checks, and counts its leaks', () => {
    const row = BEHAVIOURS.find((b) => b.id === 'ignore-sigterm')!;
    const leak = { behaviour: 'ignore-sigterm', pid: 1, ageSeconds: 12.4, command: 'node stdio.mjs' };
    const lastPollAt = '2026-01-01T00:00:00.000Z';
    const readAt = Date.parse(lastPollAt) + 3500;
    const r = behaviourResult(row, { server: { id: row.id, status: 'ok', lastError: null, lastPollAt }, alerts: [], readAt, leaks: [leak], checks: [], notes: [] });
    expect(r).toMatchObject({ outcome: 'ok', meets: true, lastPollAt, lastPollSecondsAgo: 3.5 });
    expect(r.checks).toEqual([{ name: 'no process outlived its poll', pass: false, detail: '1 process(es), oldest 12 s' }]);
    const refused = behaviourResult(BEHAVIOURS.find((b) => b.id === 'ssrf-unspecified')!, { alerts: [], refused: 'no', leaks: [], checks: [], notes: [] });
    expect(refused).toMatchObject({ outcome: 'refused', meets: true, lastPollAt: null });
    expect(refused.lastPollSecondsAgo).toBeUndefined();
    // A timeout is not a refusal: an SSRF row needs a failure code of its own.
    const ssrf = BEHAVIOURS.find((b) => b.id === 'ssrf-loopback-default')!;
    const timedOut = behaviourResult(ssrf, { server: { id: ssrf.id, status: 'unreachable', lastError: { code: 'timeout', reason: 'x' } }, alerts: [], leaks: [], checks: [], notes: [] });
    expect(timedOut.meets).toBe(false);
    const blocked = behaviourResult(ssrf, { server: { id: ssrf.id, status: 'unreachable', lastError: { code: 'ssrf_blocked', reason: 'x' } }, alerts: [], leaks: [], checks: [], notes: [] });
    expect(blocked.meets).toBe(true);
  });
});

describe('poll log', () => {
  const line = (e: string, s: string, t: number, origin = t - 600) => JSON.stringify({ e, s, t, origin });
  it('parses the fixture\'s lines and skips anything else', () => {
    const text = [line('start', 'a', 1000), line('list', 'a', 1500, 400), '{"e":"list","s":"b"', 'not json', '{"e":"other","s":"c","t":1,"origin":0}', ''].join('\n');
    expect(parsePollLog(text)).toEqual<PollLogLine[]>([
      { event: 'start', session: 'a', at: 1000, origin: 400 },
      { event: 'list', session: 'a', at: 1500, origin: 400 },
    ]);
  });
  it('counts answers and sessions inside the window, and unanswered sessions only once they had time to answer', () => {
    const lines = parsePollLog(
      [
        line('start', 'before', 900), // started before the window, answered inside it: counted
        line('list', 'before', 1100, 500),
        line('start', 'ok', 2000),
        line('list', 'ok', 2700, 1900),
        line('start', 'killed', 4000), // never answered: the client gave up
        line('start', 'late', 9500), // started too close to the read to judge
        line('list', 'after', 10_500, 10_000), // after the window
      ].join('\n'),
    );
    const f = pollLogFigures(lines, 1000, 10_000, 9000);
    expect(f).toMatchObject({ answered: 2, late: 0, sessions: 3, unanswered: 1 });
    expect(f.durations.samples).toBe(2);
    expect(f.durations.p50).toBeCloseTo(0.6);
    expect(f.durations.max).toBeCloseTo(0.8);
    expect(f.durations.buckets).toMatchObject({ '0.5': 0, '1': 2, '60': 2, '+Inf': 2 });
    expect(pollLogFigures([], 0, 1).answered).toBe(0);
    // Sent 0.8 s after its process started, with a 0.7 s budget: the client had given up.
    expect(pollLogFigures(lines, 1000, 10_000, 9000, 700)).toMatchObject({ answered: 1, late: 1, unanswered: 1 });
  });
});

describe('canary', () => {
  it('is found in every form and not in unrelated text', () => {
    const c = makeCanary();
    for (const { form, value } of canaryForms(c)) expect(findCanary(`xx ${value} yy`, c)).toContain(form);
    expect(findCanary(JSON.stringify({ reason: `token=${c.secret}` }), c)).toContain('json-escaped');
    expect(findCanary('nothing to see', c)).toEqual([]);
  });
});

describe('behaviour table', () => {
  it('has at least 40 hostile behaviours with unique ids, each with an expected outcome', () => {
    const hostile = hostileBehaviours();
    expect(hostile.length).toBeGreaterThanOrEqual(40);
    expect(new Set(BEHAVIOURS.map((b) => b.id)).size).toBe(BEHAVIOURS.length);
    for (const b of BEHAVIOURS) expect(b.expect.length, b.id).toBeGreaterThan(0);
  });
  it('matches the stdio fixture\'s behaviours one to one', () => {
    const listed = JSON.parse(execFileSync(process.execPath, [join(FIXTURES, 'stdio.mjs'), '--list'], { encoding: 'utf8' })) as string[];
    expect(BEHAVIOURS.filter((b) => b.transport === 'stdio').map((b) => b.id).sort()).toEqual([...listed].sort());
  });
  it('matches the README table row for row, expected outcomes included', () => {
    const readme = readFileSync(join(FIXTURES, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([a-z0-9-]+)` \|.*?\| ((?:\*\*[a-z]+\*\*(?: \/ )?)+) \|/gm)];
    expect(rows.map((m) => m[1])).toEqual(BEHAVIOURS.map((b) => b.id));
    expect(rows.map((m) => [...m[2]!.matchAll(/\*\*([a-z]+)\*\*/g)].map((x) => x[1]))).toEqual(BEHAVIOURS.map((b) => [...b.expect]));
  });
});

/** Runs one stdio behaviour, sends `requests`, returns the responses by id (bounded by `ms`). */
async function talk(env: Record<string, string>, requests: object[], ms = 8000): Promise<Map<unknown, any>> {
  const child = spawn(process.execPath, [join(FIXTURES, 'stdio.mjs')], { env: { ...process.env, MAX_LIFE_SECONDS: '10', ...env }, stdio: ['pipe', 'pipe', 'ignore'] });
  const answers = new Map<unknown, any>();
  let buf = '';
  const want = requests.filter((r) => 'id' in r).length;
  await new Promise<void>((resolveDone) => {
    const timer = setTimeout(resolveDone, ms);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const m = JSON.parse(line) as { id?: unknown; method?: string };
          if (m.id !== undefined && m.method === undefined) answers.set(m.id, m);
        } catch {
          // not ours to judge here
        }
      }
      if (answers.size >= want) {
        clearTimeout(timer);
        resolveDone();
      }
    });
    for (const r of requests) child.stdin!.write(`${JSON.stringify(r)}\n`);
  });
  child.kill('SIGKILL');
  return answers;
}

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'unit', version: '1' } } };
const LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };

describe('lean stdio loop', () => {
  const swap = join(temp(), 'swap');
  writeFileSync(swap, 'now');
  it.each(['good', 'rug-duplicate-name', 'proto-keys', 'bogus-protocol', 'long-server-info'])(
    'answers %s exactly as the SDK server does',
    async (name) => {
      const env = { HOSTILE: name, SWAP_FILE: swap };
      const [lean, sdk] = await Promise.all([talk({ ...env, HOSTILE_SDK: '0' }, [INIT, LIST]), talk({ ...env, HOSTILE_SDK: '1' }, [INIT, LIST])]);
      expect(lean.get(1)?.result).toBeDefined();
      expect(lean.get(1)).toEqual(sdk.get(1));
      expect(lean.get(2)).toEqual(sdk.get(2));
    },
    30_000,
  );
  it.each(['0', '1'])('records, with HOSTILE_SDK=%s, the session and its complete tools/list answer in HOSTILE_POLL_LOG before the answer', async (sdk) => {
    const log = join(temp(), 'polls.log');
    const before = Date.now();
    const answers = await talk({ HOSTILE: 'good', HOSTILE_SDK: sdk, HOSTILE_POLL_LOG: log }, [INIT, LIST]);
    expect(answers.get(2)?.result?.tools).toHaveLength(2);
    // Written before the answer: on disk by the time the answer arrived, whatever the load.
    const lines = parsePollLog(readFileSync(log, 'utf8'));
    expect(lines.map((l) => l.event)).toEqual(['start', 'list']);
    expect(lines[0]!.session).toBe(lines[1]!.session);
    expect(lines[0]!.at).toBeGreaterThanOrEqual(before - 5);
    expect(lines[1]!.at).toBeGreaterThanOrEqual(lines[0]!.at);
    expect(lines[1]!.origin).toBeLessThanOrEqual(lines[0]!.at);
  }, 30_000);
  it('records no answer for a page that is not the last', async () => {
    const log = join(temp(), 'polls.log');
    const answers = await talk({ HOSTILE: 'pages-49', HOSTILE_POLL_LOG: log }, [INIT, LIST]);
    expect(answers.get(2)?.result?.nextCursor).toBeDefined();
    await sleep(100);
    expect(parsePollLog(readFileSync(log, 'utf8')).map((l) => l.event)).toEqual(['start']);
  }, 30_000);
  it('splices raw results byte for byte (1e400 survives as text)', async () => {
    const child = spawn(process.execPath, [join(FIXTURES, 'stdio.mjs')], { env: { ...process.env, HOSTILE: 'number-overflow', MAX_LIFE_SECONDS: '5' }, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stdin!.write(`${JSON.stringify(INIT)}\n${JSON.stringify(LIST)}\n`);
    for (let i = 0; i < 50 && !out.includes('"id":2'); i++) await sleep(100);
    child.kill('SIGKILL');
    expect(out).toContain('"maximum":1e400');
  });
});
