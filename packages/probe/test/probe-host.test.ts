import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SnapshotMessage, ServerConfig } from '@driftwatch/core';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fixtureEntry } from '../../../test/fixtures/servers/launch.js';
import { createProbeHost, type ProbeHost } from '../src/index.js';
import { markedAfter, markedAtLeast, markedProcesses, removeTempDirs, tempDir, TEST_MARKER, writeJson } from './helpers.js';

const logger = pino({ level: 'silent' });
const hosts: ProbeHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(removeTempDirs);

function host(options: Partial<Parameters<typeof createProbeHost>[0]> = {}): ProbeHost {
  const h = createProbeHost({ logger, threads: 1, concurrentPerThread: 4, ...options });
  hosts.push(h);
  return h;
}

const server = (name: Parameters<typeof fixtureEntry>[0], env: Record<string, string>, timeout = 10) =>
  ServerConfig.parse({ ...fixtureEntry(name, env), timeout });

/** A `kept` fixture entry with keepConnected, serving one tool, marked for finding its processes. */
function keptServer() {
  const state = join(tempDir(), 'state.json');
  writeJson(state, { tools: [{ name: 'add_note', description: 'Adds a note.', inputSchema: { type: 'object' } }] });
  const marker = randomUUID();
  return { marker, kept: ServerConfig.parse({ ...fixtureEntry('kept', { FIXTURE_STATE: state, [TEST_MARKER]: marker }), timeout: 10, keepConnected: true }) };
}

async function waitFor(predicate: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

// A host boots threads that load and compile the sources (seconds on a busy 2-core box).
describe('probe host (probes on worker threads)', { timeout: 60_000 }, () => {
  it('probes on a thread and hands back the snapshot message as JSON with a summary', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    writeJson(state, { tools: [{ name: 'add_note', description: 'Adds a note.', inputSchema: { type: 'object' } }] });
    const out = await host().poll({ server: server('mutable', { FIXTURE_STATE: state }), pollId: 'p1', now: Date.parse('2026-12-01T00:00:00Z') });
    expect(out.aborted).toBe(false);
    if (out.aborted) return;
    const message = SnapshotMessage.parse(JSON.parse(out.packed.json));
    expect(message).toMatchObject({ type: 'snapshot', serverId: 'fixture-mutable', pollId: 'p1', time: '2026-12-01T00:00:00.000Z' });
    expect(out.packed.summary).toMatchObject({ type: 'snapshot', tools: 1, fingerprint: message.type === 'snapshot' ? message.fingerprints.snapshot : '' });
  });

  it('sends every poll of a kept-connected server to the thread holding its session, and stops it on close', async () => {
    const { kept, marker } = keptServer();
    // Three threads: the isolation thread and two healthy ones. Before each poll a hanging poll
    // takes the least busy healthy thread, so least-busy placement alone would alternate threads
    // (and start a second process).
    const h = host({ threads: 3 });
    const busy = new AbortController();
    const hanging: Array<Promise<unknown>> = [];
    const pids = new Set<number>();
    for (let i = 0; i < 2; i++) {
      hanging.push(h.poll({ server: server('hang', {}, 30), pollId: `h${i}`, now: Date.now() }, busy.signal));
      const out = await h.poll({ server: kept, pollId: `p${i}`, now: Date.now() });
      expect(out.aborted ? 'aborted' : out.packed.summary.type).toBe('snapshot');
      for (const pid of await markedAtLeast(marker, 1)) pids.add(pid);
    }
    expect(pids.size).toBe(1);
    busy.abort();
    await Promise.all(hanging);
    await h.close();
    expect(await markedAfter(marker)).toEqual([]);
  });

  it("logs through the host's logger why a kept server was started again", async () => {
    const { kept, marker } = keptServer();
    const lines: string[] = [];
    const h = host({ threads: 2, logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }) });
    await h.poll({ server: kept, pollId: 'p1', now: Date.now() });
    for (const pid of await markedAtLeast(marker, 1)) process.kill(pid, 'SIGKILL');
    // Gone with its sandbox, and the session has seen it exit.
    expect(await markedAfter(marker, 5_000)).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    await h.poll({ server: kept, pollId: 'p2', now: Date.now() });
    const restart = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'restarting kept stdio server');
    expect(restart).toMatchObject({ level: 30, component: 'probe-host', serverId: kept.id, reason: 'exited' });
  });

  it('cancels a poll in flight: the probe kills its server and reports aborted', async () => {
    const marker = randomUUID();
    const controller = new AbortController();
    const pending = host().poll({ server: server('hang', { HANG_CHILD: '1', [TEST_MARKER]: marker }, 30), pollId: 'p1', now: Date.now() }, controller.signal);
    // The server and the child it started are up.
    await markedAtLeast(marker, 2, 30_000);
    const started = performance.now();
    controller.abort();
    expect(await pending).toEqual({ aborted: true });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await markedAfter(marker)).toEqual([]);
  });

  it('replaces a thread whose poll overruns its deadline, reporting an internal failure, and keeps working', async () => {
    // A stall margin shorter than the probe's own cleanup makes the watchdog fire first.
    const h = host({ stallMarginMs: 1 });
    const marker = randomUUID();
    const out = await h.poll({ server: server('hang', { HANG_CHILD: '1', [TEST_MARKER]: marker }, 2), pollId: 'p1', now: Date.now() });
    expect(out.aborted).toBe(false);
    if (!out.aborted) expect(out.packed.summary).toMatchObject({ type: 'probe_failure', code: 'internal', reason: expect.stringContaining('stalled') });
    // The terminated thread could not clean up; the host killed its server's process group.
    expect(await markedAfter(marker, 3_000)).toEqual([]);
    const dir = tempDir();
    const state = join(dir, 'state.json');
    writeJson(state, { tools: [] });
    const next = await h.poll({ server: server('mutable', { FIXTURE_STATE: state }), pollId: 'p2', now: Date.now() });
    expect(!next.aborted && next.packed.summary.type).toBe('snapshot');
    // A replacement thread boots (loads and compiles the sources) before its first poll: slow on a busy box.
  }, 60_000);

  it('runs at most maxConcurrentStdio stdio polls at once: the others wait their turn, or are cancelled while they wait', async () => {
    const h = host({ maxConcurrentStdio: 1 });
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
    const poll = (marker: string, signal?: AbortSignal) =>
      h.poll({ server: server('hang', { [TEST_MARKER]: marker }, 3), pollId: marker, now: Date.now() }, signal);
    const controller = new AbortController();
    const polls = [poll(first), poll(second), poll(third, controller.signal)] as const;
    await markedAtLeast(first, 1, 30_000);
    // The first server runs (and hangs until its 3 s timeout); the others have not been started.
    expect(markedProcesses(second)).toEqual([]);
    const cancelled = performance.now();
    controller.abort();
    expect(await polls[2]).toEqual({ aborted: true });
    expect(performance.now() - cancelled).toBeLessThan(100);
    const out = await polls[0];
    expect(!out.aborted && out.packed.summary).toMatchObject({ type: 'probe_failure', code: 'timeout' });
    // Its place went to the second, with a deadline of its own from then on.
    const next = await polls[1];
    expect(!next.aborted && next.packed.summary).toMatchObject({ type: 'probe_failure', code: 'timeout' });
    expect(markedProcesses(third)).toEqual([]);
  });

  it('checks its options up front', () => {
    expect(() => createProbeHost({ logger, threads: 0 })).toThrow(/threads must be an integer ≥ 1/);
    expect(() => createProbeHost({ logger, concurrentPerThread: 1.5 })).toThrow(/concurrentPerThread/);
  });
});
