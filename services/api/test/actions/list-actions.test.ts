import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Action } from '@driftwatch/core';
import { HttpError } from '@driftwatch/runtime';
import { createFileStore, type StatePort } from '@driftwatch/store';
import { listActions, ListActionsResponse } from '../../src/index.js';

const silent = pino({ level: 'silent' });
let n = 0;
function act(serverId: string, kind: Action['action'], ms: number): Action {
  return { id: `act-${++n}`, type: 'action', version: 1, time: new Date(Date.UTC(2026, 10, 1) + ms).toISOString(), serverId, action: kind, actor: 'key:ops', reason: `r${n}` };
}

describe('listActions (GET /v1/actions)', () => {
  let store: StatePort;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-actions-'));
    store = await createFileStore({ dir, logger: silent, maintenanceIntervalMs: 0, now: () => new Date(Date.UTC(2026, 10, 2)) });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a flood of 10,000 approvals evicts nothing: the quarantine, release and page are still reachable', async () => {
    const early = [act('mail', 'quarantine', 1), act('mail', 'page', 2), act('mail', 'release', 3)];
    for (const a of early) await store.appendAudit(a);
    for (let i = 0; i < 10_000; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => store.appendAudit(act('mail', 'approve', 1000 + i + j))));
    }
    const seen: Action[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listActions({ store }, { limit: 1000, ...(cursor ? { cursor } : {}) });
      expect(ListActionsResponse.parse(page)).toEqual(page);
      seen.push(...page.actions);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(11);
    expect(seen).toHaveLength(10_003);
    expect(new Set(seen.map((a) => a.id)).size).toBe(10_003);
    expect(seen.slice(-3).map((a) => a.action)).toEqual(['release', 'page', 'quarantine']);
    // The HTTP layer passes query strings: limit arrives as text.
    const first = await listActions({ store }, { limit: '2' as unknown as number, serverId: 'mail' });
    expect(first.actions).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const window = await listActions({ store }, { since: early[0]!.time, until: early[2]!.time });
    expect(window.actions.map((a) => a.action)).toEqual(['page', 'quarantine']);
    expect(window.nextCursor).toBeNull();
  }, 60_000);

  it('refuses bad queries with 400: too large a page, unknown fields, a cursor it did not hand out', async () => {
    const bad = async (q: object) => listActions({ store }, q as never).catch((e: unknown) => e);
    for (const [q, code] of [
      [{ limit: 1001 }, 'bad_request'],
      [{ limit: 0 }, 'bad_request'],
      [{ foo: 'bar' }, 'bad_request'],
      [{ since: 'yesterday' }, 'bad_request'],
      [{ cursor: 'not-a-cursor' }, 'bad_cursor'],
    ] as const) {
      const err = await bad(q);
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).status).toBe(400);
      expect((err as HttpError).code).toBe(code);
    }
  });
});
