import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebhookReceiver, signWebhook, verifyWebhookSignature, webhookBody } from '../../src/receivers/index.js';
import { notification, WebhookDouble } from '../../../../test/support/receivers/index.js';
import { deps, never, receiverConfig } from './harness.js';

const SECRET = 'whsec_0123456789abcdef0123456789abcdef';

describe('webhook receiver', () => {
  let hook: WebhookDouble;
  beforeEach(async () => {
    hook = new WebhookDouble(SECRET, { expectHeaders: { 'x-team': 'secops' } });
    await hook.start();
  });
  afterEach(() => hook.close());

  const receiver = (secret = SECRET, now = () => new Date()) =>
    createWebhookReceiver('siem', receiverConfig({ type: 'webhook', url: hook.endpoint, secret, headers: { 'x-team': 'secops' }, allowPrivateNetwork: true }), deps({ now }));

  it('sends the notification signed; the double verifies the HMAC, the window and the idempotency key', async () => {
    const n = notification('trigger');
    expect(await receiver().deliver(n, never)).toEqual({ ok: true, detail: 'HTTP 204' });
    expect(hook.problems()).toEqual([]);
    const body = hook.bodies()[0]!;
    expect(body).toMatchObject({ version: 1, type: 'driftwatch.incident', transition: 'trigger', idempotencyKey: n.idempotencyKey, time: n.time, links: n.links });
    expect((body.incident as { id: string }).id).toBe('inc_mail_0001');
    expect(hook.deliveries(n.idempotencyKey)).toBe(1);
  });

  it('a wrong secret is refused by the receiver (401, permanent); a stale clock too', async () => {
    expect(await receiver('another-secret-of-16+chars').deliver(notification('trigger'), never)).toMatchObject({ ok: false, retryable: false });
    const stale = await receiver(SECRET, () => new Date(Date.now() - 3600_000)).deliver(notification('trigger'), never);
    expect(stale).toMatchObject({ ok: false, retryable: false });
    expect(JSON.stringify(stale)).not.toContain(SECRET);
  });

  it('2xx ok, 408/429/5xx retryable, other 4xx permanent', async () => {
    hook.script(200, 408, 429, 503, 404, 409);
    const r = receiver();
    const kinds = [];
    for (let i = 0; i < 6; i += 1) {
      const o = await r.deliver(notification('update'), never);
      kinds.push(o.ok ? 'ok' : o.retryable ? 'retry' : 'permanent');
    }
    expect(kinds).toEqual(['ok', 'retry', 'retry', 'retry', 'permanent', 'permanent']);
  });

  it('bounds the body', () => {
    const big = 'y'.repeat(300_000);
    const alerts = Array.from({ length: 5 }, (_, i) => ({ ...notification().incident.alerts[0]!, id: `a${i}`, evidence: { after: big } }));
    expect(Buffer.byteLength(JSON.stringify(webhookBody(notification('trigger', { incident: { alerts } }))))).toBeLessThanOrEqual(256 * 1024);
  });
});

describe('verifyWebhookSignature (the recipe users copy)', () => {
  const body = '{"hello":"world"}';
  const now = new Date('2026-11-24T10:00:00Z');
  const ts = Math.floor(now.getTime() / 1000);
  const headers = (over: Record<string, string> = {}) => ({ 'x-driftwatch-timestamp': String(ts), 'x-driftwatch-signature': signWebhook(SECRET, ts, body), ...over });

  it('accepts a fresh, correctly signed body (plain object or fetch Headers)', () => {
    expect(verifyWebhookSignature(SECRET, headers(), body, now)).toEqual({ ok: true, timestamp: ts });
    expect(verifyWebhookSignature(SECRET, new Headers(headers()), Buffer.from(body), now.getTime())).toEqual({ ok: true, timestamp: ts });
  });

  it('refuses a changed body, a wrong secret, a missing header and a replay outside the window', () => {
    expect(verifyWebhookSignature(SECRET, headers(), `${body} `, now)).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verifyWebhookSignature('other', headers(), body, now)).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verifyWebhookSignature(SECRET, { 'x-driftwatch-signature': signWebhook(SECRET, ts, body) }, body, now)).toEqual({ ok: false, reason: 'missing_timestamp' });
    expect(verifyWebhookSignature(SECRET, headers({ 'x-driftwatch-signature': '' }), body, now)).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifyWebhookSignature(SECRET, headers({ 'x-driftwatch-timestamp': 'soon' }), body, now)).toEqual({ ok: false, reason: 'invalid_timestamp' });
    expect(verifyWebhookSignature(SECRET, headers(), body, new Date(now.getTime() + 301_000))).toEqual({ ok: false, reason: 'outside_tolerance' });
    expect(verifyWebhookSignature(SECRET, headers(), body, new Date(now.getTime() + 301_000), 600)).toMatchObject({ ok: true });
  });

  it('a timestamp cannot be moved without the signature breaking', () => {
    expect(verifyWebhookSignature(SECRET, headers({ 'x-driftwatch-timestamp': String(ts + 1) }), body, now)).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('accepts any of several v1 signatures (secret rotation)', () => {
    const sig = `${signWebhook('old-secret', ts, body)}, ${signWebhook(SECRET, ts, body)}`;
    expect(verifyWebhookSignature(SECRET, headers({ 'x-driftwatch-signature': sig }), body, now)).toMatchObject({ ok: true });
  });
});
