import { describe, expect, it } from 'vitest';
import { DriftwatchConfig, Receivers, secretsOfReceivers } from '../../src/index.js';

const parse = (receivers: unknown) => Receivers.safeParse(receivers);
const messages = (receivers: unknown) => {
  const r = parse(receivers);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('receivers config', () => {
  it('defaults to none and keeps existing configs valid', () => {
    expect(DriftwatchConfig.parse({ servers: [] }).receivers).toEqual({});
  });

  it('parses each type with its defaults (timeout 10 s, PagerDuty host, Kafka on, HEC sourcetype)', () => {
    const r = Receivers.parse({
      oncall: { type: 'pagerduty', routingKey: 'abc' },
      soc: { type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T/B/X' },
      siem: { type: 'webhook', url: 'https://siem.example.com/h', secret: '0123456789abcdef', timeout: '2s' },
      lake: { type: 'ocsf', splunkHec: { url: 'https://splunk.example.com:8088', token: 't' } },
    });
    expect(r.oncall).toEqual({ type: 'pagerduty', routingKey: 'abc', baseUrl: 'https://events.pagerduty.com', timeout: 10_000, allowPrivateNetwork: false });
    expect(r.siem).toMatchObject({ timeout: 2000, headers: {} });
    expect(r.lake).toMatchObject({ kafka: true, splunkHec: { sourcetype: 'ocsf:detection_finding' } });
  });

  it('is strict: unknown fields, unknown types and bad names are refused', () => {
    expect(messages({ a: { type: 'pagerduty', routingKey: 'k', routingkey: 'k' } })).not.toEqual([]);
    expect(messages({ a: { type: 'teams', url: 'https://x.example.com' } })).not.toEqual([]);
    expect(messages({ 'bad name': { type: 'pagerduty', routingKey: 'k' } })).not.toEqual([]);
    expect(messages({ a: { type: 'webhook', url: 'https://x.example.com', secret: 'short' } })).toEqual(['a.secret: must be at least 16 characters']);
    expect(messages({ a: { type: 'ocsf', kafka: false } })).toEqual(['a: sends nowhere: set `kafka: true`, `splunkHec` or `http`']);
    expect(messages({ a: { type: 'webhook', url: 'https://x.example.com', secret: '0123456789abcdef', headers: { 'X-Driftwatch-Signature': 'x' } } })).not.toEqual([]);
    expect(messages({ a: { type: 'pagerduty', routingKey: 'k\n' } })).not.toEqual([]);
  });

  it('applies the SSRF policy to every URL; loopback and plain http only with allowPrivateNetwork', () => {
    expect(messages({ a: { type: 'slack', webhookUrl: 'http://127.0.0.1:9/services/x' } })).toEqual([
      'a.webhookUrl: host is a loopback address; set allowPrivateNetwork: true on this receiver to allow it (got 127.0.0.1)',
    ]);
    expect(messages({ a: { type: 'slack', webhookUrl: 'http://127.0.0.1:9/services/x', allowPrivateNetwork: true } })).toEqual([]);
    expect(messages({ a: { type: 'pagerduty', routingKey: 'k', baseUrl: 'http://169.254.169.254', allowPrivateNetwork: true } })).toEqual([
      'a.baseUrl: host is a cloud metadata address, which Driftwatch never connects to (got 169.254.169.254)',
    ]);
    expect(messages({ a: { type: 'webhook', url: 'http://siem.example.com/h', secret: '0123456789abcdef' } })[0]).toContain('must be https');
    expect(messages({ a: { type: 'ocsf', http: { url: 'https://user:pw@sink.example.com' } } })[0]).toContain('a.http.url: must not contain credentials');
    expect(messages({ a: { type: 'ocsf', splunkHec: { url: 'https://10.0.0.5:8088', token: 't' } } })[0]).toContain('a.splunkHec.url: host is a private network address');
  });

  it('names every receiver secret for the log scrubber', () => {
    const r = Receivers.parse({
      oncall: { type: 'pagerduty', routingKey: 'R0UTINGKEY' },
      soc: { type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T/B/SECRETPART' },
      siem: { type: 'webhook', url: 'https://siem.example.com/h', secret: '0123456789abcdef', headers: { authorization: 'Bearer abcdefgh', 'x-team': 'secops' } },
      lake: { type: 'ocsf', splunkHec: { url: 'https://splunk.example.com', token: 'hec-token' } },
    });
    expect(secretsOfReceivers(r)).toEqual([
      { value: 'R0UTINGKEY', source: 'receiver:oncall:routingKey' },
      { value: 'https://hooks.slack.com/services/T/B/SECRETPART', source: 'receiver:soc:webhookUrl' },
      { value: '/services/T/B/SECRETPART', source: 'receiver:soc:webhookUrl' },
      { value: '0123456789abcdef', source: 'receiver:siem:secret' },
      { value: 'Bearer abcdefgh', source: 'receiver:siem:headers:authorization' },
      { value: 'hec-token', source: 'receiver:lake:splunkHec.token' },
    ]);
  });
});
