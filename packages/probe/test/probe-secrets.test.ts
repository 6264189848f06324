import { Writable } from 'node:stream';
import { Observation, ServerConfig, SnapshotMessage, recordEnvSubstitutions, type StdioServerConfig } from '@driftwatch/core';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startEchoSecretsHttpServer } from '../../../test/fixtures/servers/echo-secrets.js';
import type { RunningServer } from '../../../test/fixtures/servers/http-util.js';
import { fixtureServer } from '../../../test/fixtures/servers/launch.js';
import { createProbeHost, probeServer, type ProbeHost } from '../src/index.js';
import { expectFailure, expectOk } from './helpers.js';

const OK_BUDGET = 10_000;
/** 5 characters, with the two that JSON escapes. */
const ENV_SECRET = 'p"9\\Z';

/** Every form the scrubber covers; none may appear anywhere in a probe result or a log line. */
function forms(v: string): string[] {
  const b = Buffer.from(v, 'utf8');
  return [v, JSON.stringify(v).slice(1, -1), b.toString('base64').replace(/=+$/, ''), b.toString('base64url'), encodeURIComponent(v), b.toString('hex')];
}

function expectNoSecret(text: string, secrets: readonly string[]): void {
  for (const s of secrets) for (const f of forms(s)) expect(text, `a form of a secret: ${JSON.stringify(f)}`).not.toContain(f);
}

/** The echo fixture with its secret given the way `${CANARY}` interpolation would. */
function leaky(mode: string): StdioServerConfig {
  const server = fixtureServer('echo-secrets', { CANARY: ENV_SECRET, ECHO_VARS: 'CANARY', ECHO_MODE: mode }, `echo-${mode}`);
  recordEnvSubstitutions(server, [{ path: ['env', 'CANARY'], value: ENV_SECRET }]);
  return server;
}

function debugLog() {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }));
  return { logger, text: () => lines.join('') };
}

describe('probeServer: configured secrets', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it('masks an env secret a stdio server copies into its text and records each exposure', async () => {
    const r = expectOk(await probeServer(leaky('serve'), { timeoutMs: OK_BUDGET }));
    expectNoSecret(JSON.stringify(r), [ENV_SECRET]);
    expect(Observation.safeParse(r.observation).success).toBe(true);
    expect(r.observation.tools.find((t) => t.name === 'leak_raw')?.description).toBe('Use the token [redacted:env:CANARY] when calling.');
    const exposures = r.observation.exposures ?? [];
    expect(new Set(exposures.map((e) => e.source))).toEqual(new Set(['env:CANARY']));
    // (Its base64url is its base64: no + or / in it.)
    expect(new Set(exposures.map((e) => e.encoding))).toEqual(new Set(['raw', 'json-escaped', 'base64', 'url-encoded', 'hex', 'in-base64']));
    expect(exposures.map((e) => e.field)).toEqual(expect.arrayContaining(['instructions', 'serverInfo.version', 'tools[lookup_[redacted:env:CANARY]].name']));
  });

  it('gives the same masked observation on every poll', async () => {
    const a = expectOk(await probeServer(leaky('serve'), { timeoutMs: OK_BUDGET }));
    const b = expectOk(await probeServer(leaky('serve'), { timeoutMs: OK_BUDGET }));
    expect(b.observation).toEqual(a.observation);
  });

  it('says what a crashing server did in its own words; its stderr goes to debug only, masked', async () => {
    const log = debugLog();
    const r = expectFailure(await probeServer(leaky('crash'), { timeoutMs: OK_BUDGET, logger: log.logger }));
    expect(r.code).toBe('connect_failed');
    expect(r.reason).toContain('exited with code 3');
    expect(r.reason).toMatch(/it wrote \d+ bytes to stderr/);
    expect(r.reason).not.toContain('debug: token');
    // The non-JSON stdout line is quoted, masked.
    expect(r.reason).toContain('config dump: [redacted:env:CANARY]');
    expectNoSecret(JSON.stringify(r), [ENV_SECRET]);
    const logged = log.text();
    expect(logged).toContain('debug: token=[redacted:env:CANARY]');
    expectNoSecret(logged, [ENV_SECRET]);
  });

  it('never quotes the stderr of a server that hangs', async () => {
    // Long enough for `node --import tsx` to start and print on a busy machine.
    const r = expectFailure(await probeServer(leaky('hang'), { timeoutMs: 8_000 }));
    expect(r.code).toBe('timeout');
    expect(r.reason).toMatch(/^no answer within 8000 ms before the handshake finished; it wrote \d+ bytes to stderr$/);
  });

  it('masks a header, a URL password (as Basic auth) and a query key an HTTP server echoes', async () => {
    const srv = await startEchoSecretsHttpServer();
    servers.push(srv);
    const header = 'hdr+Canary/9"x';
    const password = 'pw/s3cret';
    const key = 'Q Secret&7';
    const url = new URL(srv.url);
    url.username = 'canary';
    url.password = encodeURIComponent(password);
    url.searchParams.set('key', key);
    const server = ServerConfig.parse({ id: 'echo-http', transport: 'http', url: url.href, allowPrivateNetwork: true, headers: { 'X-Canary-Token': header } });
    const r = expectOk(await probeServer(server, { timeoutMs: OK_BUDGET }));
    expectNoSecret(JSON.stringify(r), [header, password, key, `canary:${password}`]);
    expect(new Set(r.observation.exposures?.map((e) => e.source))).toEqual(new Set(['header:X-Canary-Token', 'url:password', 'url:query:key']));
    expect(r.observation.transport.url).toBe(`${srv.url}`);
  });

  it('masks a short ${VAR} secret on a probe thread too (the host passes what the loader knew)', { timeout: 60_000 }, async () => {
    // 3 characters: a secret only because it came from ${VAR}, which the thread's copy of the entry no longer says.
    const short = 'q7!';
    const server = fixtureServer('echo-secrets', { PIN: short, ECHO_VARS: 'PIN' }, 'echo-thread');
    recordEnvSubstitutions(server, [{ path: ['env', 'PIN'], value: short }]);
    const host: ProbeHost = createProbeHost({ logger: pino({ level: 'silent' }), threads: 1 });
    try {
      const out = await host.poll({ server, pollId: 'p1', now: Date.now() });
      expect(out.aborted).toBe(false);
      if (out.aborted) return;
      const message = SnapshotMessage.parse(JSON.parse(out.packed.json));
      expect(message.type).toBe('snapshot');
      if (message.type !== 'snapshot') return;
      expect(message.instructions).toBe('Authenticate with [redacted:env:PIN].');
      expect(new Set(message.exposures?.map((e) => e.source))).toEqual(new Set(['env:PIN']));
    } finally {
      await host.close();
    }
  });
});
