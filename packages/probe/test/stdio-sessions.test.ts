import { ServerConfig, type StdioServerConfig } from '@driftwatch/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { idleLimitMs, launchKey, StdioSessions, type KeptSession } from '../src/stdio-sessions.js';
import type { StdioSink } from '../src/stdio-transport.js';

/** A session whose process is a flag: `closed` counts how often it was stopped. */
function fakeSession(server: StdioServerConfig) {
  const state = { open: true, closed: 0, sink: undefined as StdioSink | undefined };
  const started = {
    serverId: server.id,
    key: launchKey(server),
    connected: { client: { close: async () => void (state.closed += 1, (state.open = false)) } },
    stdio: {
      get open() {
        return state.open;
      },
      bind: (sink: StdioSink) => void (state.sink = sink),
    },
    sandbox: { mode: 'none', reason: 'test' },
    maxResponseBytes: 1024,
  } as unknown as Omit<KeptSession, 'startedAt' | 'polls'>;
  return { started, state };
}

const server = (id: string, extra: Record<string, unknown> = {}): StdioServerConfig =>
  ServerConfig.parse({ id, transport: 'stdio', command: 'node', keepConnected: true, interval: 60, timeout: 15, ...extra }) as StdioServerConfig;

afterEach(() => vi.useRealTimers());

describe('StdioSessions', () => {
  it('lends an idle session to its server and refuses nothing it has not got', () => {
    const sessions = new StdioSessions({ maxSessions: 4 });
    const a = server('a');
    expect(sessions.take(a)).toEqual({ reason: 'none' });
    const { started, state } = fakeSession(a);
    const s = sessions.adopt(started);
    sessions.give(s, a);
    expect(state.sink).toBeDefined();
    expect(sessions.take(a)).toEqual({ session: s });
    // Lent: a second poll of the same server at once gets none and starts its own.
    expect(sessions.take(a)).toEqual({ reason: 'none' });
    expect(sessions.size).toBe(1);
  });

  it('keeps the sessions it has when full: a newcomer serves its poll and is stopped, polled in turn or not', () => {
    const sessions = new StdioSessions({ maxSessions: 2 });
    const configs = ['a', 'b', 'c'].map((id) => server(id));
    const stops = new Map<string, number>();
    // Three rounds over three servers with room for two: the same two stay kept throughout.
    for (let round = 0; round < 3; round++) {
      for (const cfg of configs) {
        const taken = sessions.take(cfg);
        if ('session' in taken) {
          sessions.give(taken.session, cfg);
          continue;
        }
        const f = fakeSession(cfg);
        sessions.give(sessions.adopt(f.started), cfg);
        stops.set(cfg.id, (stops.get(cfg.id) ?? 0) + f.state.closed);
      }
    }
    expect(Object.fromEntries(stops)).toEqual({ a: 0, b: 0, c: 3 });
    expect(sessions.size).toBe(2);
  });

  it('stops an idle session after two missed polls', () => {
    vi.useFakeTimers();
    const sessions = new StdioSessions({ maxSessions: 4 });
    const a = server('a', { interval: 60, timeout: 15 });
    expect(idleLimitMs(a)).toBe(135_000);
    const f = fakeSession(a);
    sessions.give(sessions.adopt(f.started), a);
    vi.advanceTimersByTime(134_999);
    expect(f.state.closed).toBe(0);
    vi.advanceTimersByTime(1);
    expect(f.state.closed).toBe(1);
    expect(sessions.size).toBe(0);
  });

  it('stops an idle session that floods or garbles between polls, and does not lend it again', () => {
    const sessions = new StdioSessions({ maxSessions: 4 });
    const a = server('a');
    const f = fakeSession(a);
    sessions.give(sessions.adopt(f.started), a);
    const sink = f.state.sink!;
    expect(sink.countBytes(1024)).toBe(true);
    expect(sink.countBytes(1)).toBe(false);
    expect(sink.failure?.code).toBe('too_large');
    expect(f.state.closed).toBe(1);
    expect(sessions.take(a)).toEqual({ reason: 'none' });

    const b = server('b');
    const g = fakeSession(b);
    sessions.give(sessions.adopt(g.started), b);
    for (let i = 0; i < 17; i++) g.state.sink!.noteBadLine('not json');
    expect(g.state.sink!.failure?.code).toBe('protocol_error');
    expect(g.state.closed).toBe(1);
  });

  it('says why a session is not reused: exited, configuration changed, expired', () => {
    let clock = 0;
    const sessions = new StdioSessions({ maxSessions: 4, now: () => clock });
    const a = server('a', { sessionMaxAge: 120 });
    const exited = fakeSession(a);
    sessions.give(sessions.adopt(exited.started), a);
    exited.state.open = false;
    expect(sessions.take(a)).toEqual({ reason: 'exited' });

    const changed = fakeSession(a);
    sessions.give(sessions.adopt(changed.started), a);
    expect(sessions.take({ ...a, args: ['--other'] })).toEqual({ reason: 'config_changed' });
    expect(changed.state.closed).toBe(1);

    const old = fakeSession(a);
    sessions.give(sessions.adopt(old.started), a);
    clock = 120_000;
    expect(sessions.take(a)).toEqual({ reason: 'expired' });
    expect(old.state.closed).toBe(1);
  });

  it('stops idle and lent sessions on close and takes none back after', async () => {
    const sessions = new StdioSessions({ maxSessions: 4 });
    const a = server('a');
    const b = server('b');
    const idle = fakeSession(a);
    sessions.give(sessions.adopt(idle.started), a);
    const lent = fakeSession(b);
    const s = sessions.adopt(lent.started);
    await sessions.close();
    expect([idle.state.closed, lent.state.closed]).toEqual([1, 1]);
    sessions.give(s, b);
    expect(sessions.size).toBe(0);
  });

  it('drops a server\'s idle session on request (keepConnected turned off)', () => {
    const sessions = new StdioSessions({ maxSessions: 4 });
    const a = server('a');
    const f = fakeSession(a);
    sessions.give(sessions.adopt(f.started), a);
    sessions.drop('b');
    expect(f.state.closed).toBe(0);
    sessions.drop('a');
    expect(f.state.closed).toBe(1);
    expect(sessions.size).toBe(0);
  });

  it('checks maxSessions up front', () => {
    expect(() => new StdioSessions({ maxSessions: 0 })).toThrow(/maxSessions must be an integer ≥ 1/);
  });

  it('keys a launch by what starts the process, not by key order or unrelated fields', () => {
    const a = server('a', { env: { A: '1', B: '2' } });
    expect(launchKey(a)).toBe(launchKey(server('a', { env: { B: '2', A: '1' }, interval: 30, owner: 'x' })));
    expect(launchKey(a)).not.toBe(launchKey(server('a', { env: { A: '1', B: '3' } })));
    expect(launchKey(a)).not.toBe(launchKey(server('a', { env: { A: '1', B: '2' }, limits: { memoryMb: 256 } })));
  });
});
