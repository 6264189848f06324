import type { Database } from 'better-sqlite3';
import { auditKey, parseAuditKey } from '../audit/audit-key.js';
import { checkChainedText, headProblem, type AuditChainBreak, type AuditChainReport, type QuarantineMismatch } from '../audit/chain.js';
import { ANCHOR_KEY, HEAD_KEY, parsePoint, type ChainPoint } from './audit-table.js';

const CHUNK = 2_000;

interface LiveRow {
  seq: number;
  key: string;
  server_id: string;
  action: string;
  prev_hash: string;
  hash: string;
}

interface PrunedRow {
  seq: number;
  key: string;
  hash: string;
}

function parseLoosely(text: string): { id?: unknown; time?: unknown; serverId?: unknown } | null {
  try {
    return JSON.parse(text) as { id?: unknown; time?: unknown; serverId?: unknown } | null;
  } catch {
    return null; // Named by its position only.
  }
}

function describe(row: LiveRow, problem: string): AuditChainBreak {
  const parsed = parseLoosely(row.action);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return { seq: row.seq, actionId: str(parsed?.id), time: str(parsed?.time), serverId: str(parsed?.serverId) ?? row.server_id, problem };
}

type LastWord = Map<string, { kind: 'quarantine' | 'release'; seq: number; actionId: string }>;

/** Why a live row does not verify against the hash expected before it, or null when it does. */
function checkRow(row: LiveRow, expectedPrev: ChainPoint, lastWord: LastWord): string | null {
  if (row.prev_hash !== expectedPrev.hash) {
    return row.seq - expectedPrev.seq > 1
      ? `records ${expectedPrev.seq + 1}..${row.seq - 1} are missing (the chain link from record ${expectedPrev.seq} is broken)`
      : `does not link to record ${expectedPrev.seq}: it, or the record before it, was altered`;
  }
  const checked = checkChainedText(row.prev_hash, row.action, row.hash);
  if ('problem' in checked) return checked.problem;
  const action = checked.action;
  if (auditKey(action) !== row.key || action.serverId !== row.server_id) return 'index columns (time, server) do not match its content';
  const kind = action.action;
  if (kind === 'quarantine' || kind === 'release') lastWord.set(action.serverId, { kind, seq: row.seq, actionId: action.id });
  return null;
}

/**
 * The quarantine table against the trail: a server whose last audited word is a quarantine must be
 * quarantined, and one whose last word is a release must not be. A quarantine is audited right
 * after it is made and a release right after it is lifted, so a crash between the two can leave a
 * disagreement too; either way someone should look.
 */
function crossCheck(db: Database, lastWord: LastWord): QuarantineMismatch[] {
  const held = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM quarantines WHERE server_id = ?');
  const out: QuarantineMismatch[] = [];
  for (const [serverId, w] of lastWord) {
    const quarantined = held.get(serverId)!.n > 0;
    if (w.kind === 'quarantine' && !quarantined) {
      out.push({ serverId, seq: w.seq, actionId: w.actionId, problem: `the trail's last word is a quarantine (record ${w.seq}), but the server is not quarantined: its quarantine was removed without a release` });
    } else if (w.kind === 'release' && quarantined) {
      out.push({ serverId, seq: w.seq, actionId: w.actionId, problem: `the trail's last word is a release (record ${w.seq}), but the server is quarantined without an audited quarantine after it` });
    }
  }
  return out;
}

/**
 * Walks the chain in append order from the anchor, in chunks (`yieldEvery` runs between them, so a
 * running store is not blocked for the whole walk). Rows removed by retention but not yet folded
 * into the anchor are taken at their recorded hash, and must be older than `retentionCutoffMs`
 * when it is given: removing a recent row is deletion, not retention.
 */
export async function verifyChain(db: Database, options: { retentionCutoffMs?: number; yieldEvery?: () => Promise<void> } = {}): Promise<AuditChainReport> {
  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const live = db.prepare<[number, number], LiveRow>('SELECT seq, key, server_id, action, prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?');
  const pruned = db.prepare<[number, number], PrunedRow>('SELECT seq, key, hash FROM audit_pruned WHERE seq > ? ORDER BY seq LIMIT ?');
  const anchor = parsePoint(getMeta.get(ANCHOR_KEY)?.value ?? null);
  let prev: ChainPoint = anchor;
  let checked = 0;
  const lastWord: LastWord = new Map();
  const report = (firstBreak: AuditChainBreak | null): AuditChainReport => {
    const quarantineMismatches = firstBreak === null ? crossCheck(db, lastWord) : [];
    return {
      ok: firstBreak === null,
      checked,
      anchor: parsePoint(getMeta.get(ANCHOR_KEY)?.value ?? null),
      head: parsePoint(getMeta.get(HEAD_KEY)?.value ?? null),
      firstBreak,
      quarantineMismatches,
    };
  };
  for (;;) {
    // Retention may have folded rows past our position into the anchor since the last chunk.
    const nowAnchor = parsePoint(getMeta.get(ANCHOR_KEY)?.value ?? null);
    if (nowAnchor.seq > prev.seq) prev = nowAnchor;
    // Both reads in one synchronous step: nothing writes between them.
    const rows = live.all(prev.seq, CHUNK);
    const gone = pruned.all(prev.seq, CHUNK);
    if (rows.length === 0 && gone.length === 0) break;
    // Merge by seq, up to the end of the shorter full chunk (beyond it the other table is unread).
    const limit = Math.min(rows.length === CHUNK ? rows[rows.length - 1]!.seq : Infinity, gone.length === CHUNK ? gone[gone.length - 1]!.seq : Infinity);
    let i = 0;
    let j = 0;
    for (;;) {
      const r = rows[i];
      const g = gone[j];
      const takeLive = r !== undefined && r.seq <= limit && (g === undefined || r.seq < g.seq);
      const takeGone = !takeLive && g !== undefined && g.seq <= limit;
      if (takeLive) {
        const problem = checkRow(r, prev, lastWord);
        if (problem) return report(describe(r, problem));
        prev = { seq: r.seq, hash: r.hash };
        checked++;
        i++;
      } else if (takeGone) {
        if (options.retentionCutoffMs !== undefined && parseAuditKey(g.key).timeMs >= options.retentionCutoffMs) {
          return report({ seq: g.seq, actionId: null, time: new Date(parseAuditKey(g.key).timeMs).toISOString(), serverId: parseAuditKey(g.key).serverId, problem: 'removed although it is within the retention period' });
        }
        prev = { seq: g.seq, hash: g.hash };
        j++;
      } else break;
    }
    await options.yieldEvery?.();
  }
  const head = parsePoint(getMeta.get(HEAD_KEY)?.value ?? null);
  const problem = headProblem(head, prev);
  if (problem) return report({ seq: head.seq, actionId: null, time: null, serverId: null, problem });
  return report(null);
}
