import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiSettings } from '@driftwatch/core';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { ensureBootstrapAdminKey } from '../../src/auth/bootstrap-key.js';
import { createKey, revokeKey } from '../../src/auth/key-operations.js';
import { embeddedPorts, type EmbeddedPorts } from '../../../../test/support/embedded.js';
import { captureLogger, DAY_MS, fakeClock } from './helpers.js';

describe('first start: the bootstrap admin key', () => {
  let ports: EmbeddedPorts;
  let clock: ReturnType<typeof fakeClock>;
  let cap: ReturnType<typeof captureLogger>;
  let keyDir: string;
  let lines: string[];
  beforeEach(async () => {
    ports = await embeddedPorts({ servers: [] });
    clock = fakeClock();
    cap = captureLogger();
    keyDir = await mkdtemp(join(tmpdir(), 'dw-bootstrap-'));
    lines = [];
  });
  afterEach(async () => {
    await ports.close();
    await rm(keyDir, { recursive: true, force: true });
  });
  const opts = (extra: { dataDir?: string } = { dataDir: keyDir }) => ({ store: ports.store, bus: ports.bus, now: clock.now, logger: cap.logger, write: (l: string) => void lines.push(l), ...extra });

  it('creates one admin key for 90 days, writes it 0600, prints one line with the token and where it is', async () => {
    const result = await ensureBootstrapAdminKey(opts());
    expect(result).toMatchObject({ created: true, file: join(keyDir, 'admin.key') });
    const token = (await readFile(join(keyDir, 'admin.key'), 'utf8')).trim();
    expect((await stat(join(keyDir, 'admin.key'))).mode & 0o777).toBe(0o600);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(token);
    expect(lines[0]).toContain(join(keyDir, 'admin.key'));
    expect(lines[0]!.trimEnd().includes('\n')).toBe(false);
    expect(cap.text()).not.toContain(token.slice(22)); // the log gets the key id, never the token

    const auth = createAuthenticator({ store: ports.store, settings: ApiSettings.parse({}), now: clock.now, logger: cap.logger });
    const p = await auth.authenticate(`Bearer ${token}`);
    expect(p).toMatchObject({ kind: 'api_key', name: 'bootstrap-admin', scope: 'admin' });
    expect(Date.parse(p!.expiresAt!) - clock.now().getTime()).toBe(90 * DAY_MS);
    await auth.close();
    expect((await ports.store.listAudit(5, '*'))[0]).toMatchObject({ action: 'key.create', actor: 'system:bootstrap' });
  });

  it('does nothing when any key exists, even a revoked one', async () => {
    const { key } = await createKey({ store: ports.store, now: clock.now, logger: cap.logger }, { name: 'x', scope: 'read', expires: '1d' }, 'cli:root');
    await revokeKey({ store: ports.store, now: clock.now, logger: cap.logger }, key.id, 'cli:root');
    expect(await ensureBootstrapAdminKey(opts())).toEqual({ created: false });
    expect(lines).toEqual([]);
    await expect(stat(join(keyDir, 'admin.key'))).rejects.toThrow();
  });

  it('replicas starting together: exactly one key', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => ensureBootstrapAdminKey(opts({}))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await ports.store.listApiKeys()).toHaveLength(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('not stored anywhere else');
  });

  it('replaces a stale admin.key left from an earlier store, still 0600', async () => {
    await writeFile(join(keyDir, 'admin.key'), 'dw_old\n', { mode: 0o644 });
    await ensureBootstrapAdminKey(opts());
    expect((await readFile(join(keyDir, 'admin.key'), 'utf8')).startsWith('dw_k_')).toBe(true);
    expect((await stat(join(keyDir, 'admin.key'))).mode & 0o777).toBe(0o600);
  });
});
