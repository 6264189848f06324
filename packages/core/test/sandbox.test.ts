import { describe, expect, it } from 'vitest';
import { DriftwatchConfig, StdioServerConfig } from '../src/config.js';
import { evaluateSnapshot, type EvaluationInput } from '../src/evaluate.js';
import { fingerprintObservation } from '../src/fingerprint.js';
import { Alert } from '../src/schemas/alert.js';
import { Snapshot, type TransportFacts } from '../src/schemas/snapshot.js';
import { failure, observation, snapshot } from './fixtures.js';

const NOW = '2026-11-24T10:00:05.000Z';
const UNSANDBOXED: TransportFacts = { kind: 'stdio', protocolVersion: '2025-06-18', sandbox: { mode: 'none', reason: 'bubblewrap unavailable: bwrap (bubblewrap) not found' } };
const SANDBOXED: TransportFacts = { kind: 'stdio', protocolVersion: '2025-06-18', sandbox: { mode: 'bwrap' } };

function input(over: Partial<EvaluationInput> & Pick<EvaluationInput, 'message'>): EvaluationInput {
  return { baseline: snapshot('p0'), open: {}, approvalRequired: false, now: NOW, ...over };
}

describe('stdio sandbox config', () => {
  it('defaults to auto, no network, a read-only cwd and bounded limits', () => {
    const s = StdioServerConfig.parse({ id: 'a', transport: 'stdio', command: 'node' });
    expect(s).toMatchObject({ sandbox: 'auto', network: false, writableCwd: false, limits: { memoryMb: 512, cpuSeconds: 30, processes: 64 } });
    // A partial `limits` keeps the other defaults.
    expect(StdioServerConfig.parse({ id: 'a', transport: 'stdio', command: 'node', limits: { processes: 16 } }).limits).toEqual({
      memoryMb: 512,
      cpuSeconds: 30,
      processes: 16,
    });
  });

  it('names every bad sandbox field in one pass', () => {
    const r = DriftwatchConfig.safeParse({
      servers: [
        { id: 'a', transport: 'stdio', command: 'node', sandbox: 'docker', network: 'yes' },
        { id: 'b', transport: 'stdio', command: 'node', writableCwd: true },
        { id: 'c', transport: 'stdio', command: 'node', limits: { memoryMb: 8, cpuSeconds: 1.5, processes: 0, swap: 1 } },
      ],
    });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues.some((i) => i.startsWith('servers.0.sandbox:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('servers.0.network:'))).toBe(true);
    expect(issues).toContain('servers.1.writableCwd: needs `cwd`: the directory the server may write to');
    expect(issues.some((i) => i.startsWith('servers.2.limits.memoryMb:'))).toBe(true);
    expect(issues).toContain('servers.2.limits.cpuSeconds: must be a whole number of seconds');
    expect(issues.some((i) => i.startsWith('servers.2.limits.processes:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('servers.2.limits:') && i.includes('swap'))).toBe(true);
  });

  it('accepts a writable cwd and network for one server', () => {
    const s = StdioServerConfig.parse({ id: 'a', transport: 'stdio', command: 'node', cwd: '/srv/mcp', writableCwd: true, network: true, sandbox: 'bwrap' });
    expect(s).toMatchObject({ cwd: '/srv/mcp', writableCwd: true, network: true, sandbox: 'bwrap' });
  });
});

describe('sandbox facts', () => {
  it('never change a fingerprint: they describe our side, not the server', () => {
    const plain = fingerprintObservation(observation());
    expect(fingerprintObservation(observation({ transport: UNSANDBOXED }))).toEqual(plain);
    expect(fingerprintObservation(observation({ transport: SANDBOXED }))).toEqual(plain);
    expect(Snapshot.safeParse(snapshot('p1', { transport: UNSANDBOXED })).success).toBe(true);
  });
});

describe('server.unsandboxed', () => {
  it('is raised once, low, for a stdio server probed without a sandbox, and stays open', () => {
    const first = evaluateSnapshot(input({ message: snapshot('p1', { transport: UNSANDBOXED }) }));
    expect(first.triggers).toHaveLength(1);
    const [alert] = first.triggers;
    expect(() => Alert.parse(alert)).not.toThrow();
    expect(alert).toMatchObject({ kind: 'server.unsandboxed', subject: 'server', severity: 'low', dedupKey: 'files|server.unsandboxed|server' });
    expect(alert!.summary).toContain('bwrap (bubblewrap) not found');
    expect(alert!.evidence.after).toEqual({ mode: 'none', reason: UNSANDBOXED.sandbox!.reason });
    // Not drift: the surface is the baseline's.
    expect(first.changes).toEqual([]);
    expect(first.statePatch.drifted).toBe(false);

    // Every later poll, whatever the reason says now: no second alert.
    const other: TransportFacts = { ...UNSANDBOXED, sandbox: { mode: 'none', reason: 'sandbox: none in the catalog entry' } };
    const again = evaluateSnapshot(input({ message: snapshot('p2', { transport: other }), open: first.open }));
    expect(again.triggers).toEqual([]);
    expect(again.resolves).toEqual([]);
    expect(again.open).toEqual(first.open);

    // An outage keeps it open; a sandboxed poll resolves it.
    const down = evaluateSnapshot(input({ message: failure('p3'), open: first.open }));
    expect(down.open[alert!.dedupKey]).toEqual(first.open[alert!.dedupKey]);
    const fixed = evaluateSnapshot(input({ message: snapshot('p4', { transport: SANDBOXED }), open: down.open }));
    expect(fixed.resolves.map((r) => r.kind).sort()).toEqual(['server.unreachable', 'server.unsandboxed']);
    expect(fixed.open).toEqual({});
  });

  it('is not raised for a sandboxed server, a snapshot without sandbox facts, or an HTTP server', () => {
    for (const transport of [SANDBOXED, { kind: 'stdio' as const }, { kind: 'streamable-http' as const, url: 'https://mcp.example/mcp' }]) {
      expect(evaluateSnapshot(input({ message: snapshot('p1', { transport }), baseline: snapshot('p0', { transport }) })).triggers).toEqual([]);
    }
  });
});
