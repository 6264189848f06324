import { describe, expect, it } from 'vitest';
import { tally, violations, type Observed } from '../chaos/ledger.js';

// The chaos suite's accounting decides what "lost" and "doubled" mean: it must catch each case.
const baseline = (serverId: string, fingerprint: string, origin: 'tofu' | 'approval' = 'tofu') => ({ serverId, fingerprint, origin });
const snapshot = (serverId: string, fp: string, pollId = `${serverId}-${fp}`) => ({ type: 'snapshot' as const, serverId, pollId, fingerprints: { snapshot: fp } });
const alert = (serverId: string, fp: string, id = `al-${serverId}-${fp}`, severity = 'high') => ({ id, serverId, action: 'trigger' as const, kind: 'tool.description_changed', severity, snapshotFingerprint: fp });
const quarantine = (serverId: string, id = `q-${serverId}`) => ({ id, serverId, action: 'quarantine', actor: 'policy' });
const page = (serverId: string, dedupKey = `inc-${serverId}`) => ({ dedupKey, serverId });

/** A clean run: a, b trusted on first use; b rug pulled, alerted, quarantined and paged once. */
function clean(): Observed {
  return {
    baselines: [baseline('a', 'A0'), baseline('b', 'B0')],
    snapshots: [snapshot('a', 'A0'), snapshot('b', 'B0'), snapshot('b', 'B1'), snapshot('b', 'B1', 'again')],
    alerts: [alert('b', 'B1')],
    actions: [quarantine('b')],
    pages: [page('b')],
  };
}

const RUG = new Set(['b']);
const SAME = new Set(['a']);

describe('chaos ledger', () => {
  it('finds nothing wrong in a clean run, and counts it', () => {
    expect(violations(clean(), RUG, SAME, 'high')).toEqual([]);
    expect(tally(clean(), RUG, 'high')).toEqual({ driftedSnapshots: 1, alertedSnapshots: 1, serversAlerted: 1, quarantines: 1, quarantineMessages: 1, pages: 1, pageEvents: 1 });
  });

  it('names a drifted snapshot no alert was raised on', () => {
    const o = clean();
    o.snapshots.push(snapshot('b', 'B2', 'p9'));
    expect(violations(o, RUG, SAME, 'high')).toEqual(['b: drifted snapshot B2 (poll p9) has no alert']);
  });

  it('names a serious alert without a quarantine, and a change never paged', () => {
    const o = clean();
    o.actions = [];
    o.pages = [];
    expect(violations(o, RUG, SAME, 'high')).toEqual(['b: serious alert without a quarantine decision', 'b: never paged']);
  });

  it('does not count a quarantine re-announced under the same id as a second one, but does count another id', () => {
    const o = clean();
    o.actions.push(quarantine('b'));
    expect(violations(o, RUG, SAME, 'high')).toEqual([]);
    expect(tally(o, RUG, 'high')).toMatchObject({ quarantines: 1, quarantineMessages: 2 });
    o.actions.push(quarantine('b', 'q-other'));
    expect(violations(o, RUG, SAME, 'high')).toEqual(['b: quarantined 2 times for one change']);
  });

  it('counts one incident paged twice as one page (the receiver dedups), two incidents as two', () => {
    const o = clean();
    o.pages.push(page('b'));
    expect(violations(o, RUG, SAME, 'high')).toEqual([]);
    o.pages.push(page('b', 'inc-new'));
    expect(violations(o, RUG, SAME, 'high')).toEqual(['b: paged 2 times (inc-b, inc-new) for one change']);
  });

  it('names a server trusted on first use again with another surface (a Redis loss re-baselined it)', () => {
    const o = clean();
    o.baselines.push(baseline('b', 'B1'));
    expect(violations(o, RUG, SAME, 'high')).toContain('b: trusted on first use 2 times with different surfaces (re-baselined)');
    // The same surface published twice (a redelivered first snapshot) is not a re-baseline.
    const again = clean();
    again.baselines.push(baseline('a', 'A0'));
    expect(violations(again, RUG, SAME, 'high')).toEqual([]);
  });

  it('names an alert on a server that never changed, and a rug pull with no serious alert', () => {
    const o = clean();
    o.alerts = [alert('a', 'A0', 'x', 'medium'), alert('b', 'B1', 'y', 'medium')];
    expect(violations(o, RUG, SAME, 'high')).toEqual(['b: rug pulled, but no alert at or above high', 'a: never changed, yet 1 alert(s): tool.description_changed']);
  });
});
