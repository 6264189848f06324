import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '../src/index.js';

describe('loadConfig: receiver secrets reach the log scrubber', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('masks routing keys, Slack webhook paths, HMAC secrets and HEC tokens in every log line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-rcv-'));
    dirs.push(dir);
    const file = join(dir, 'dw.yaml');
    await writeFile(
      file,
      [
        'servers: []',
        'receivers:',
        '  oncall: { type: pagerduty, routingKey: "${PD_KEY}" }',
        '  soc: { type: slack, webhookUrl: "https://hooks.slack.com${SLACK_PATH}" }',
        '  siem: { type: webhook, url: "https://siem.example.com/h", secret: "${HOOK_SECRET}" }',
        '  lake: { type: ocsf, kafka: false, splunkHec: { url: "https://splunk.example.com:8088", token: "${HEC_TOKEN}" } }',
        '',
      ].join('\n'),
    );
    const env = { PD_KEY: 'pdkey-7f3a9c21e4b8', SLACK_PATH: '/services/T0AB/B0CD/slacksecret42', HOOK_SECRET: 'hmac-secret-0123456789', HEC_TOKEN: 'hec-6b1f0e2d-aa' };
    const chunks: string[] = [];
    const stream = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
    const logger = createLogger({ name: 't', level: 'info', destination: stream });
    const config = await loadConfig(file, { env });
    expect(Object.keys(config.receivers)).toEqual(['oncall', 'soc', 'siem', 'lake']);
    logger.warn({ detail: Object.values(env).join(' ') }, `sent to https://hooks.slack.com${env.SLACK_PATH}`);
    const out = chunks.join('');
    for (const value of Object.values(env)) expect(out).not.toContain(value);
    expect(out).toContain('[redacted:receiver:oncall:routingKey]');
  });
});
