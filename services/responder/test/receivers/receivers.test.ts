import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DriftwatchConfig } from '@driftwatch/core';
import { createReceivers, type FetchLike } from '../../src/receivers/index.js';
import { notification } from '../../../../test/support/receivers/index.js';
import { deps, never, receiverConfig } from './harness.js';
import { createPagerDutyReceiver, createWebhookReceiver } from '../../src/receivers/index.js';

describe('createReceivers', () => {
  it('builds one receiver per configured name, of its type', () => {
    const config = DriftwatchConfig.parse({
      servers: [],
      receivers: {
        oncall: { type: 'pagerduty', routingKey: 'key' },
        soc: { type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T0/B0/XYZ' },
        siem: { type: 'webhook', url: 'https://siem.example.com/hook', secret: '0123456789abcdef' },
        lake: { type: 'ocsf' },
      },
    });
    const receivers = createReceivers(config.receivers, deps());
    expect([...receivers.entries()].map(([name, r]) => [name, r.name, r.kind])).toEqual([
      ['oncall', 'oncall', 'pagerduty'],
      ['soc', 'soc', 'slack'],
      ['siem', 'siem', 'webhook'],
      ['lake', 'lake', 'ocsf'],
    ]);
    expect(createReceivers(DriftwatchConfig.parse({ servers: [] }).receivers, deps()).size).toBe(0);
  });
});

describe('outbound HTTP policy', () => {
  it('refuses a loopback receiver at send time without allowPrivateNetwork (permanent, names the host only)', async () => {
    const server = createServer((_req, res) => res.writeHead(202).end('{}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      // Bypass the config-load check to reach the send-time guard (a host name could resolve anywhere).
      const config = { ...receiverConfig({ type: 'pagerduty', routingKey: 'k', baseUrl: `http://127.0.0.1:${port}`, allowPrivateNetwork: true }), allowPrivateNetwork: false };
      const outcome = await createPagerDutyReceiver('oncall', config, deps()).deliver(notification('trigger'), never);
      expect(outcome).toMatchObject({ ok: false, retryable: false });
      expect((outcome as { reason: string }).reason).toMatch(/^pagerduty receiver oncall: refused to connect to 127\.0\.0\.1: a loopback address/);
    } finally {
      server.close();
    }
  });

  it('never follows a redirect (permanent)', async () => {
    const server = createServer((_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const config = receiverConfig({ type: 'webhook', url: `http://127.0.0.1:${port}/x`, secret: '0123456789abcdef', allowPrivateNetwork: true });
      const outcome = await createWebhookReceiver('siem', config, deps()).deliver(notification('trigger'), never);
      expect(outcome).toMatchObject({ ok: false, retryable: false });
      expect((outcome as { reason: string }).reason).toContain('redirects are never followed');
    } finally {
      server.close();
    }
  });

  it('an injected fetch is used, with the literal-host policy still applied', async () => {
    const calls: string[] = [];
    const fetch: FetchLike = async (url, init) => {
      calls.push(`${init.method} ${url} ${init.redirect}`);
      return new Response('{"status":"success","dedup_key":"inc_mail_0001"}', { status: 202 });
    };
    const ok = createPagerDutyReceiver('oncall', receiverConfig({ type: 'pagerduty', routingKey: 'k' }), deps({ fetch }));
    expect(await ok.deliver(notification('trigger'), never)).toEqual({ ok: true, detail: 'accepted (dedup_key inc_mail_0001)' });
    expect(calls).toEqual(['POST https://events.pagerduty.com/v2/enqueue manual']);
    const meta = { ...receiverConfig({ type: 'pagerduty', routingKey: 'k' }), baseUrl: 'http://169.254.169.254' };
    expect(await createPagerDutyReceiver('oncall', meta, deps({ fetch })).deliver(notification('trigger'), never)).toMatchObject({ ok: false, retryable: false });
    expect(calls).toHaveLength(1);
  });

  it('a fetch that throws is a retryable network error that names the receiver, not the URL', async () => {
    const fetch: FetchLike = async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNRESET https://hooks.slack.com/services/SECRET'), { code: 'ECONNRESET' }) });
    };
    const outcome = await createPagerDutyReceiver('oncall', receiverConfig({ type: 'pagerduty', routingKey: 'k' }), deps({ fetch })).deliver(notification('trigger'), never);
    expect(outcome).toEqual({ ok: false, retryable: true, reason: 'pagerduty receiver oncall: network error (ECONNRESET)' });
  });
});
