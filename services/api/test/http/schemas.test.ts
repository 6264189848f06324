import { afterEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AlertList, ActionList, Allowlist, ReleaseResult, ServerDetail, ServerList } from '../../src/http/schemas.js';
import { bearer, TOKENS } from './fake-authenticator.js';
import { startHarness, type Harness } from './harness.js';

/** The answer matches its documented schema exactly: parsing keeps every field (nothing stripped). */
function conforms(schema: z.ZodType, body: unknown): void {
  expect(schema.parse(body)).toEqual(body);
}

describe('answers of the routes this layer owns match their OpenAPI schemas', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('servers, alerts, actions, allowlist, release', async () => {
    h = await startHarness();
    const { store } = h.ports;
    const time = '2026-11-24T10:00:00.000Z';
    await store.updateServerState('mail', { reachable: true, baselineFingerprint: 'f', lastPollAt: time, lastError: { code: 'timeout', reason: 'slow', at: time } } as never);
    await store.quarantine('search', { reason: 'rug pull', alertId: 'a1', actor: 'policy', at: time });
    const alert = { id: 'a1', type: 'alert' as const, version: 1 as const, time, serverId: 'mail', action: 'trigger' as const, dedupKey: 'mail|tool.added|send', kind: 'tool.added', subject: 'send', severity: 'medium' as const, summary: 's', explanation: 'e', remediation: 'r', evidence: { before: null, after: 'x' } };
    await store.insertAlert({ alert, status: 'open', firstSeen: time, lastSeen: time });
    const read = bearer(TOKENS.read);

    conforms(ServerList, (await h.call('GET', '/v1/servers', { headers: read })).body);
    conforms(ServerDetail, (await h.call('GET', '/v1/servers/mail', { headers: read })).body);
    conforms(AlertList, (await h.call('GET', '/v1/alerts', { headers: read })).body);
    conforms(Allowlist, (await h.call('GET', '/v1/allowlist', { headers: read })).body);
    const released = await h.call('POST', '/v1/servers/search/release', { headers: bearer(TOKENS.operate), body: '{"reason":"ok"}' });
    expect(released.status).toBe(200);
    conforms(ReleaseResult, released.body);
    const actions = (await h.call('GET', '/v1/actions', { headers: read })).body;
    expect(actions.actions).toHaveLength(1);
    conforms(ActionList, actions);
  });
});
