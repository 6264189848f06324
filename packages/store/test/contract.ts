import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QuarantineRecord } from '@driftwatch/core';
import type { StatePort } from '../src/index.js';
import { action, at, baseline, sleep, snapshot, storedAlert } from './fixtures/builders.js';

export interface StoreHarness {
  /** A fresh, empty store (its own temp dir or key prefix). */
  create(): Promise<StatePort>;
  /** Close it and remove whatever it left behind. */
  dispose(store: StatePort): Promise<void>;
}

const qrec = (actor: string): QuarantineRecord => ({ reason: 'poisoned description', actor, at: at(5), alertId: 'al-1' });

/** The behaviour every StatePort adapter must share. Registered by each adapter's test file. */
export function registerStoreContract(name: string, harness: StoreHarness): void {
  describe(`StatePort contract: ${name}`, () => {
    let store: StatePort;
    beforeEach(async () => {
      store = await harness.create();
    });
    afterEach(async () => {
      await harness.dispose(store);
    });

    describe('server state', () => {
      it('is null for an unknown server', async () => {
        expect(await store.getServerState('nope')).toBeNull();
      });

      it('merges patches, deletes fields patched with undefined, returns the merged state', async () => {
        const first = await store.updateServerState('s1', { reachable: true, lastPollId: 'p1', lastPollAt: at(1) });
        expect(first).toEqual({ serverId: 's1', reachable: true, lastPollId: 'p1', lastPollAt: at(1) });
        const second = await store.updateServerState('s1', {
          lastPollId: 'p2',
          drifted: true,
          lastError: { code: 'timeout', reason: 'no answer in 10s', at: at(2) },
          lastPollAt: undefined,
        });
        expect(second).toEqual({
          serverId: 's1',
          reachable: true,
          lastPollId: 'p2',
          drifted: true,
          lastError: { code: 'timeout', reason: 'no answer in 10s', at: at(2) },
        });
        expect(await store.getServerState('s1')).toEqual(second);
        const third = await store.updateServerState('s1', { lastError: undefined, reachable: false });
        expect(third).toEqual({ serverId: 's1', reachable: false, lastPollId: 'p2', drifted: true });
      });

      it('an empty patch still makes the server known', async () => {
        expect(await store.updateServerState('s-empty', {})).toEqual({ serverId: 's-empty' });
        expect(await store.getServerState('s-empty')).toEqual({ serverId: 's-empty' });
      });

      it('ignores serverId and quarantine smuggled into a patch', async () => {
        const patch = { reachable: true, serverId: 'other', quarantine: qrec('mallory') } as never;
        const st = await store.updateServerState('s1', patch);
        expect(st).toEqual({ serverId: 's1', reachable: true });
        expect(await store.getQuarantine('s1')).toBeNull();
        expect(await store.getServerState('other')).toBeNull();
      });

      it('reports the quarantine record as part of the state', async () => {
        await store.updateServerState('s1', { baselineFingerprint: 'fp' });
        await store.quarantine('s1', qrec('policy'));
        expect(await store.getServerState('s1')).toEqual({ serverId: 's1', baselineFingerprint: 'fp', quarantine: qrec('policy') });
        const after = await store.updateServerState('s1', { drifted: true });
        expect(after.quarantine).toEqual(qrec('policy'));
      });

      it('lists every known server, including one that is only quarantined', async () => {
        await store.updateServerState('b', { reachable: true });
        await store.updateServerState('a', { reachable: false });
        await store.quarantine('c', qrec('api:bob'));
        const list = await store.listServerStates();
        expect(list.map((s) => s.serverId).sort()).toEqual(['a', 'b', 'c']);
        expect(list.find((s) => s.serverId === 'c')?.quarantine).toEqual(qrec('api:bob'));
        expect(list.find((s) => s.serverId === 'a')?.reachable).toBe(false);
      });
    });

    describe('snapshots, baselines, findings', () => {
      it('round-trips the latest snapshot byte-exact and keeps only the latest', async () => {
        expect(await store.getLatestSnapshot('s1')).toBeNull();
        const s1 = snapshot('s1');
        await store.putLatestSnapshot(s1);
        const got = await store.getLatestSnapshot('s1');
        expect(got).toEqual(s1);
        expect(got?.instructions).toBe('Use the echo tool.  \u200b\n');
        const s2 = snapshot('s1', { pollId: 'later' });
        await store.putLatestSnapshot(s2);
        expect((await store.getLatestSnapshot('s1'))?.pollId).toBe('later');
        expect(await store.getLatestSnapshot('s2')).toBeNull();
      });

      it('round-trips baselines per server', async () => {
        expect(await store.getBaseline('s1')).toBeNull();
        const b = baseline('s1');
        await store.putBaseline(b);
        await store.putBaseline(baseline('s2', { origin: 'tofu' }));
        expect(await store.getBaseline('s1')).toEqual(b);
        expect((await store.getBaseline('s2'))?.origin).toBe('tofu');
      });

      it('keeps snapshots and baselines given as JSON text, with their fingerprints, readable both ways', async () => {
        expect(await store.getLatestSnapshotJson('s1')).toBeNull();
        const s1 = snapshot('s1', { pollId: 'as-text' });
        const blob = { fingerprint: s1.fingerprints.snapshot, json: JSON.stringify(s1) };
        await store.putLatestSnapshotJson('s1', blob);
        expect(await store.getLatestSnapshotJson('s1')).toEqual(blob);
        expect(await store.getLatestSnapshot('s1')).toEqual(s1);
        // Written as an object, read as text: the same fingerprint, text that parses back to it.
        const b = baseline('s2');
        await store.putBaseline(b);
        const text = await store.getBaselineJson('s2');
        expect(text?.fingerprint).toBe(b.fingerprint);
        expect(JSON.parse(text!.json)).toEqual(b);
        await store.putBaselineJson('s3', { fingerprint: b.fingerprint, json: JSON.stringify({ ...b, serverId: 's3' }) });
        expect((await store.getBaseline('s3'))?.serverId).toBe('s3');
        // The fingerprint alone, as the differ's fast path reads it, follows every write.
        expect(await store.getBaselineFingerprint('s2')).toBe(b.fingerprint);
        expect(await store.getBaselineFingerprint('nobody')).toBeNull();
        await store.putBaselineJson('s2', { fingerprint: 'f'.repeat(64), json: JSON.stringify(b) });
        expect(await store.getBaselineFingerprint('s2')).toBe('f'.repeat(64));
      });

      it('does not let a caller mutate stored values through returned objects', async () => {
        await store.putBaseline(baseline('s1'));
        const got = await store.getBaseline('s1');
        got!.approvedBy = 'mallory';
        expect((await store.getBaseline('s1'))?.approvedBy).toBe('alice');
      });

      it('keeps open findings per server and clears them with an empty record', async () => {
        expect(await store.getOpenFindings('s1')).toEqual({});
        const findings = {
          's1|tool.added|rm': { alertId: 'a1', evidenceFingerprint: 'e1', severity: 'high' as const, kind: 'tool.added', subject: 'rm' },
          's1|content.hidden-unicode|echo': {
            alertId: 'a2',
            evidenceFingerprint: 'e2',
            severity: 'critical' as const,
            kind: 'content.hidden-unicode',
            subject: 'echo',
          },
        };
        await store.putOpenFindings('s1', findings);
        expect(await store.getOpenFindings('s1')).toEqual(findings);
        expect(await store.getOpenFindings('s2')).toEqual({});
        await store.putOpenFindings('s1', {});
        expect(await store.getOpenFindings('s1')).toEqual({});
      });
    });

    describe('alerts', () => {
      it('insertAlert stores once and returns false for a duplicate id without overwriting', async () => {
        const a = storedAlert({ id: 'dup', severity: 'high' });
        expect(await store.insertAlert(a)).toBe(true);
        const again = storedAlert({ id: 'dup', severity: 'low' });
        expect(await store.insertAlert(again)).toBe(false);
        expect(await store.getAlert('dup')).toEqual(a);
        expect(await store.listAlerts()).toHaveLength(1);
      });

      it('concurrent inserts of one id: exactly one wins', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => store.insertAlert(storedAlert({ id: 'race' }))));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('putAlert overwrites (lifecycle) and getAlert is null for unknown ids', async () => {
        const a = storedAlert({ id: 'x' });
        await store.insertAlert(a);
        const resolved = { ...a, status: 'resolved' as const, resolvedAt: at(9), resolvedBy: 'api:bob' };
        await store.putAlert(resolved);
        expect(await store.getAlert('x')).toEqual(resolved);
        expect(await store.getAlert('missing')).toBeNull();
      });

      it('finds the open alert by dedup key, and not once it is resolved', async () => {
        const a = storedAlert({ id: 'o1', serverId: 's1', subject: 'echo' });
        await store.insertAlert(a);
        await store.insertAlert(storedAlert({ id: 'o2', serverId: 's1', subject: 'other' }));
        expect((await store.getOpenAlertByDedupKey(a.alert.dedupKey))?.alert.id).toBe('o1');
        expect(await store.getOpenAlertByDedupKey('s1|tool.added|nothing')).toBeNull();
        await store.putAlert({ ...a, status: 'resolved', resolvedAt: at(3) });
        expect(await store.getOpenAlertByDedupKey(a.alert.dedupKey)).toBeNull();
        // A new trigger for the same key opens a new alert.
        const b = storedAlert({ id: 'o3', serverId: 's1', subject: 'echo', timeMs: 10 });
        await store.insertAlert(b);
        expect((await store.getOpenAlertByDedupKey(a.alert.dedupKey))?.alert.id).toBe('o3');
      });

      it('a resolved alert inserted directly is not the open one', async () => {
        const r = storedAlert({ id: 'r1', status: 'resolved' });
        await store.insertAlert(r);
        expect(await store.getOpenAlertByDedupKey(r.alert.dedupKey)).toBeNull();
      });

      it('lists newest first and filters by server, minimum severity and status', async () => {
        const specs = [
          { id: 'a1', serverId: 's1', severity: 'info', status: 'open', timeMs: 1000 },
          { id: 'a2', serverId: 's2', severity: 'critical', status: 'open', timeMs: 2000 },
          { id: 'a3', serverId: 's1', severity: 'high', status: 'resolved', timeMs: 3000 },
          { id: 'a4', serverId: 's1', severity: 'medium', status: 'open', timeMs: 4000 },
          { id: 'a5', serverId: 's2', severity: 'low', status: 'resolved', timeMs: 5000 },
        ] as const;
        // Insert out of time order: listing order must come from the alert time, not insertion.
        for (const i of [2, 0, 4, 1, 3]) await store.insertAlert(storedAlert({ ...specs[i]!, subject: specs[i]!.id }));
        const ids = async (f?: Parameters<StatePort['listAlerts']>[0]) => (await store.listAlerts(f)).map((a) => a.alert.id);
        expect(await ids()).toEqual(['a5', 'a4', 'a3', 'a2', 'a1']);
        expect(await ids({ serverId: 's1' })).toEqual(['a4', 'a3', 'a1']);
        expect(await ids({ minSeverity: 'medium' })).toEqual(['a4', 'a3', 'a2']);
        expect(await ids({ status: 'open' })).toEqual(['a4', 'a2', 'a1']);
        expect(await ids({ status: 'resolved' })).toEqual(['a5', 'a3']);
        expect(await ids({ serverId: 's1', status: 'open', minSeverity: 'low' })).toEqual(['a4']);
        expect(await ids({ serverId: 's2', minSeverity: 'critical' })).toEqual(['a2']);
        expect(await ids({ serverId: 'none' })).toEqual([]);
        expect(await ids({ limit: 2 })).toEqual(['a5', 'a4']);
        expect(await ids({ limit: 0 })).toEqual([]);
      });

      it('follows status changes made with putAlert in filtered listings', async () => {
        const a = storedAlert({ id: 'p1', timeMs: 1 });
        await store.insertAlert(a);
        await store.insertAlert(storedAlert({ id: 'p2', timeMs: 2, subject: 'other' }));
        await store.putAlert({ ...a, status: 'resolved', resolvedAt: at(5) });
        expect((await store.listAlerts({ status: 'open' })).map((x) => x.alert.id)).toEqual(['p2']);
        expect((await store.listAlerts({ status: 'resolved' })).map((x) => x.alert.id)).toEqual(['p1']);
        await store.putAlert({ ...a, alert: { ...a.alert, severity: 'info' } });
        expect((await store.listAlerts({ minSeverity: 'low' })).map((x) => x.alert.id)).toEqual(['p2']);
        await store.putAlert({ ...a, alert: { ...a.alert, severity: 'critical' } });
        expect((await store.listAlerts({ minSeverity: 'critical' })).map((x) => x.alert.id)).toEqual(['p1']);
        expect((await store.listAlerts({ minSeverity: 'info' })).map((x) => x.alert.id)).toEqual(['p2', 'p1']);
      });

      it('limits to 100 by default and to at most 1000, and pages correctly through large indexes', async () => {
        const sev = ['low', 'medium', 'high', 'critical'] as const;
        const all = Array.from({ length: 1005 }, (_, i) =>
          storedAlert({
            id: `L${String(i).padStart(5, '0')}`,
            timeMs: i,
            subject: `t${i}`,
            severity: sev[i % 4]!,
            status: i % 7 === 0 ? 'resolved' : 'open',
          }),
        );
        for (let i = 0; i < all.length; i += 100) await Promise.all(all.slice(i, i + 100).map((a) => store.insertAlert(a)));
        const dflt = await store.listAlerts();
        expect(dflt).toHaveLength(100);
        expect(dflt[0]!.alert.id).toBe('L01004');
        const max = await store.listAlerts({ limit: 5000 });
        expect(max).toHaveLength(1000);
        expect(max[999]!.alert.id).toBe('L00005');
        // Sparse matches across several pages of several indexes come back complete and in order.
        const expected = all
          .filter((a, i) => i % 4 !== 0 && a.status === 'resolved')
          .reverse()
          .slice(0, 50)
          .map((a) => a.alert.id);
        const got = await store.listAlerts({ minSeverity: 'medium', status: 'resolved', limit: 50 });
        expect(got.map((a) => a.alert.id)).toEqual(expected);
        // A rare match at the very bottom is still found.
        await store.putAlert({ ...all[4]!, alert: { ...all[4]!.alert, severity: 'info' } });
        await store.putAlert({ ...all[3]!, alert: { ...all[3]!.alert, severity: 'critical' }, status: 'resolved' });
        const crit = await store.listAlerts({ minSeverity: 'critical', status: 'resolved', limit: 1000 });
        const critExpected = all.filter((_, i) => i === 3 || (i % 4 === 3 && i % 7 === 0)).reverse();
        expect(crit.map((a) => a.alert.id)).toEqual(critExpected.map((a) => a.alert.id));
        expect(crit.at(-1)?.alert.id).toBe('L00003');
        const info = await store.listAlerts({ limit: 1000, serverId: 'srv-a', minSeverity: 'info', status: 'open' });
        expect(info.map((a) => a.alert.id)).toContain('L00004');
        expect((await store.listAlerts({ limit: 1000, minSeverity: 'low' })).map((a) => a.alert.id)).not.toContain('L00004');
      });
    });

    describe('quarantine', () => {
      it('20 concurrent quarantine calls: exactly one wins and its record is kept', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.quarantine('s1', qrec(`actor-${i}`))));
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await store.getQuarantine('s1')).toEqual(qrec(`actor-${winner}`));
        expect(await store.countQuarantined()).toBe(1);
      });

      it('release lifts it once, returns the record, and allows quarantining again', async () => {
        expect(await store.release('s1')).toBeNull();
        await store.quarantine('s1', qrec('policy'));
        await store.quarantine('s2', qrec('policy'));
        expect(await store.countQuarantined()).toBe(2);
        const lifted = await Promise.all([store.release('s1'), store.release('s1'), store.release('s1')]);
        expect(lifted.filter((r) => r !== null)).toEqual([qrec('policy')]);
        expect(await store.getQuarantine('s1')).toBeNull();
        expect(await store.countQuarantined()).toBe(1);
        expect((await store.getServerState('s1'))?.quarantine).toBeUndefined();
        expect(await store.quarantine('s1', qrec('api:bob'))).toBe(true);
        expect(await store.countQuarantined()).toBe(2);
      });
    });

    describe('claims and leases', () => {
      it('claimOnce: one winner among concurrent callers; unclaim lets a retry claim again', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => store.claimOnce('page:a1', 60_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.isClaimed('page:a1')).toBe(true);
        expect(await store.isClaimed('page:other')).toBe(false);
        await store.unclaim('page:a1');
        expect(await store.isClaimed('page:a1')).toBe(false);
        expect(await store.claimOnce('page:a1', 60_000)).toBe(true);
        await store.unclaim('never-claimed');
      });

      it('claimOnce expires after its ttl', async () => {
        expect(await store.claimOnce('k', 100)).toBe(true);
        expect(await store.claimOnce('k', 100)).toBe(false);
        await sleep(250);
        expect(await store.isClaimed('k')).toBe(false);
        expect(await store.claimOnce('k', 100)).toBe(true);
      });

      it('acquireLease: the owner renews, another owner is refused until it expires', async () => {
        expect(await store.acquireLease('poll:s1', 'A', 300)).toBe(true);
        expect(await store.acquireLease('poll:s1', 'B', 300)).toBe(false);
        await sleep(150);
        expect(await store.acquireLease('poll:s1', 'A', 300)).toBe(true); // renewed: now lasts until ~450ms
        await sleep(200);
        expect(await store.acquireLease('poll:s1', 'B', 300)).toBe(false); // 350ms: would have expired without renewal
        await sleep(250);
        expect(await store.acquireLease('poll:s1', 'B', 300)).toBe(true);
        expect(await store.acquireLease('poll:s1', 'A', 300)).toBe(false);
        expect(await store.acquireLease('poll:s2', 'A', 300)).toBe(true); // leases are per key
      });

      it('concurrent lease attempts by different owners: one holder', async () => {
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.acquireLease('L', `o${i}`, 5_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('audit', () => {
      it('lists newest first, honours the limit and the per-server filter', async () => {
        for (let i = 0; i < 6; i++) await store.appendAudit(action(i % 2 === 0 ? 's1' : 's2', i, i === 5 ? 'release' : 'quarantine'));
        const all = await store.listAudit();
        expect(all.map((a) => a.reason)).toEqual(['reason 5', 'reason 4', 'reason 3', 'reason 2', 'reason 1', 'reason 0']);
        expect(all[0]!.action).toBe('release');
        expect((await store.listAudit(2)).map((a) => a.reason)).toEqual(['reason 5', 'reason 4']);
        expect((await store.listAudit(10, 's1')).map((a) => a.reason)).toEqual(['reason 4', 'reason 2', 'reason 0']);
        expect((await store.listAudit(1, 's2')).map((a) => a.reason)).toEqual(['reason 5']);
        expect(await store.listAudit(10, 'nobody')).toEqual([]);
      });
    });

    it('is ready while open', () => {
      expect(store.isReady()).toBe(true);
    });
  });
}
