import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackReceiver, slackMessage } from '../../src/receivers/index.js';
import { notification, SlackDouble } from '../../../../test/support/receivers/index.js';
import { deps, never, receiverConfig } from './harness.js';

describe('slack receiver', () => {
  let slack: SlackDouble;
  beforeEach(async () => {
    slack = new SlackDouble();
    await slack.start();
  });
  afterEach(() => slack.close());

  const receiver = (url = slack.webhookUrl) => createSlackReceiver('soc', receiverConfig({ type: 'slack', webhookUrl: url, allowPrivateNetwork: true }), deps());

  it('posts a Block Kit message the strict double accepts, with invisible characters made visible', async () => {
    for (const t of ['trigger', 'update', 'acknowledge', 'resolve'] as const) {
      expect(await receiver().deliver(notification(t, { incident: { acknowledgedBy: 'alice', resolvedBy: 'bob' } }), never)).toEqual({ ok: true, detail: 'ok' });
    }
    expect(slack.problems()).toEqual([]);
    const [trigger] = slack.messages();
    const json = JSON.stringify(trigger);
    expect(json).toContain('&lt;U+200B&gt;');
    expect(json).toContain('&lt;U+202E&gt;');
    expect(json).not.toMatch(/\u200b|\u202e/);
    expect(trigger!.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: ':rotating_light: New incident: Tool "send_email" changed and hides text', emoji: true } });
    expect(json).toContain('*Server*\\n`mail`');
    expect(json).toContain('https://soc.example.com/incidents/inc_mail_0001');
  });

  it('escapes mrkdwn so a tool cannot forge links or mentions, and keeps Slack limits', () => {
    const evil = `<!channel> <https://evil.example|click> ${'A'.repeat(5000)}`;
    const m = slackMessage(notification('trigger', { incident: { title: evil, alerts: [{ ...notification().incident.alerts[0]!, summary: evil, evidence: { before: 'a```b', after: evil } }] } }));
    // plain_text (the header) is never parsed for links or mentions; everything else is mrkdwn.
    const json = JSON.stringify({ text: m.text, blocks: m.blocks.slice(1) });
    expect(json).not.toContain('<!channel>');
    expect(json).toContain('&lt;!channel&gt;');
    expect(json).not.toContain('a```b');
    const header = m.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    for (const b of m.blocks) {
      const text = (b as { text?: { text: string } }).text?.text;
      if (text) expect(text.length).toBeLessThanOrEqual(3000);
    }
  });

  it('404/410/403/400 are permanent, 429 and 500 retryable with Retry-After; the URL is never in a reason', async () => {
    slack.script(404, 410, 403, { status: 429, headers: { 'retry-after': '30' } }, 500);
    const r = receiver();
    const outcomes = [];
    for (let i = 0; i < 5; i += 1) outcomes.push(await r.deliver(notification('trigger'), never));
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.retryable ? 'retry' : 'permanent'))).toEqual(['permanent', 'permanent', 'permanent', 'retry', 'retry']);
    expect(outcomes[0]).toMatchObject({ reason: 'slack receiver soc answered HTTP 404: channel_not_found' });
    expect(outcomes[3]).toMatchObject({ retryAfterMs: 30_000 });
    for (const o of outcomes) expect(JSON.stringify(o)).not.toContain(slack.secretPath);
  });

  it('a wrong webhook path gets no_service (permanent) and the reason does not echo the URL', async () => {
    const outcome = await receiver(`${slack.url}/services/T0/B0/WRONGSECRET`).deliver(notification('trigger'), never);
    expect(outcome).toEqual({ ok: false, retryable: false, reason: 'slack receiver soc answered HTTP 404: no_service' });
  });
});
