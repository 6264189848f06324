import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Action, TOPICS } from '@driftwatch/core';
import { HttpError } from '@driftwatch/runtime';
import { ConflictError } from '../../src/control.js';
import { createKey, listKeys, revokeKey, CreateKeyBody } from '../../src/auth/key-operations.js';
import { resolveExpiry } from '../../src/auth/key-expiry.js';
import { embeddedPorts, eventually, type EmbeddedPorts } from '../../../../test/support/embedded.js';
import { captureLogger, DAY_MS, fakeClock } from './helpers.js';

const ADMIN = 'oidc:alice@example.com';

describe('key operations', () => {
  let ports: EmbeddedPorts;
  let clock: ReturnType<typeof fakeClock>;
  let announced: Action[];
  beforeEach(async () => {
    ports = await embeddedPorts({ servers: [] });
    clock = fakeClock('2026-03-01T12:00:00.000Z');
    announced = [];
    // Decoded with the real schema: a key action must be a valid Action (serverId "*").
    await ports.bus.subscribe({ groupId: 'test-actions', topic: TOPICS.actions, decode: (v) => Action.parse(v), handler: async (m) => void announced.push(m.value) });
  });
  afterEach(async () => {
    await ports.close();
  });
  const deps = () => ({ store: ports.store, bus: ports.bus, now: clock.now, logger: captureLogger().logger });

  it('creates a key: token once, a view, an audit entry stored and announced with serverId "*"', async () => {
    const out = await createKey(deps(), { name: 'ops-bot', scope: 'operate', expires: '30d' }, ADMIN);
    expect(out.key).toEqual({
      id: expect.stringMatching(/^k_[a-z2-7]{16}$/),
      name: 'ops-bot',
      owner: ADMIN, // defaults to the creator
      scope: 'operate',
      status: 'active',
      createdAt: '2026-03-01T12:00:00.000Z',
      createdBy: ADMIN,
      expiresAt: '2026-03-31T12:00:00.000Z',
    });
    expect(out.token.startsWith(`dw_${out.key.id}_`)).toBe(true);
    const audit = await ports.store.listAudit(10, '*');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ id: out.actionId, serverId: '*', action: 'key.create', actor: ADMIN, details: { keyId: out.key.id, scope: 'operate' } });
    expect(JSON.stringify(audit)).not.toContain(out.token.slice(22));
    await eventually(() => announced.length === 1);
    expect(announced[0]!.id).toBe(out.actionId);
  });

  it('revokes: 404 for an unknown or malformed id, 409 the second time, audited with the reason', async () => {
    const { key } = await createKey(deps(), { name: 'ci', scope: 'read', owner: 'team-ci', expires: '12h' }, ADMIN);
    clock.advance(60_000);
    const out = await revokeKey(deps(), key.id, 'key:root (k_bbbbbbbbbbbbbbbb)', 'rotated');
    expect(out.key).toMatchObject({ id: key.id, status: 'revoked', revokedAt: '2026-03-01T12:01:00.000Z', revokedBy: 'key:root (k_bbbbbbbbbbbbbbbb)' });
    const entry = (await ports.store.listAudit(10, '*'))[0]!;
    expect(entry).toMatchObject({ id: out.actionId, action: 'key.revoke', reason: 'rotated', details: { keyId: key.id, owner: 'team-ci' } });
    await expect(revokeKey(deps(), key.id, ADMIN)).rejects.toMatchObject({ code: 'already_revoked' });
    await expect(revokeKey(deps(), key.id, ADMIN)).rejects.toBeInstanceOf(ConflictError);
    await expect(revokeKey(deps(), 'k_cccccccccccccccc', ADMIN)).rejects.toMatchObject({ status: 404, code: 'key_not_found' });
    await expect(revokeKey(deps(), '../../etc', ADMIN)).rejects.toMatchObject({ status: 404 });
    await eventually(() => announced.length === 2);
  });

  it('lists every key with its current status', async () => {
    const a = await createKey(deps(), { name: 'a', scope: 'read', expires: '1h' }, ADMIN);
    const b = await createKey(deps(), { name: 'b', scope: 'admin', expires: '2d' }, ADMIN);
    const c = await createKey(deps(), { name: 'c', scope: 'operate', expires: '2d' }, ADMIN);
    await revokeKey(deps(), c.key.id, ADMIN);
    clock.advance(2 * 3_600_000);
    const { keys } = await listKeys(deps());
    expect(Object.fromEntries(keys.map((k) => [k.id, k.status]))).toEqual({ [a.key.id]: 'expired', [b.key.id]: 'active', [c.key.id]: 'revoked' });
  });

  it('refuses bad bodies with 400 and names the field', async () => {
    const bad: Array<[unknown, string]> = [
      [{ name: 'x', scope: 'root', expires: '1d' }, 'scope'],
      [{ name: '../x', scope: 'read', expires: '1d' }, 'name'],
      [{ name: 'x', scope: 'read' }, 'expires'],
      [{ name: 'x', scope: 'read', expires: 'tomorrow' }, 'expires'],
      [{ name: 'x', scope: 'read', expires: '1d', admin: true }, 'admin'],
      [{ name: 'x', scope: 'read', expires: '1d', owner: 'a\nb' }, 'owner'],
      ['nope', '(body)'],
    ];
    for (const [body, field] of bad) {
      const err = await createKey(deps(), body, ADMIN).catch((e: unknown) => e);
      expect(err, JSON.stringify(body)).toBeInstanceOf(HttpError);
      expect((err as HttpError).status).toBe(400);
      expect((err as HttpError).message).toContain(field);
    }
    expect(await ports.store.listApiKeys()).toEqual([]);
    expect(await ports.store.listAudit(10)).toEqual([]);
  });

  it('bounds the expiry: at least 5 minutes, at most 400 days, real dates only', async () => {
    const now = clock.now();
    expect(resolveExpiry('400d', now).getTime() - now.getTime()).toBe(400 * DAY_MS);
    expect(resolveExpiry('12h', now).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(resolveExpiry('2026-06-30', now).toISOString()).toBe('2026-06-30T00:00:00.000Z');
    expect(resolveExpiry('2026-06-30T08:00:00+02:00', now).toISOString()).toBe('2026-06-30T06:00:00.000Z');
    for (const e of ['401d', '2027-12-01', '2026-03-01T12:04:00Z', '2025-01-01', '2026-02-31', '0d', '1w', '-1d']) {
      expect(() => resolveExpiry(e, now), e).toThrow(HttpError);
    }
    await expect(createKey(deps(), { name: 'x', scope: 'read', expires: '999d' }, ADMIN)).rejects.toMatchObject({ status: 400, code: 'invalid_expiry' });
  });

  it('the body schema is what the HTTP layer registers: strict, with the expiry pattern', () => {
    expect(CreateKeyBody.safeParse({ name: 'x', scope: 'read', expires: '30d' }).success).toBe(true);
    expect(CreateKeyBody.safeParse({ name: 'x', scope: 'read', expires: '30d', hash: 'x' }).success).toBe(false);
  });
});
