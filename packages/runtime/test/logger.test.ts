import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED } from '../src/index.js';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const text = (): string => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const SECRET = 'sk-live-9f8e7d6c5b4a';

describe('createLogger', () => {
  it('writes JSON lines with name, level label and message', () => {
    const out = capture();
    const logger = createLogger({ name: 'poller', level: 'info', destination: out.stream });
    logger.info({ server: 'docs' }, 'poll done');
    logger.debug('not at info');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ name: 'poller', level: 'info', msg: 'poll done', server: 'docs' });
    expect(typeof lines[0]?.['time']).toBe('string');
  });

  it('never writes a secret from a logged config, headers, env or request', () => {
    const out = capture();
    const logger = createLogger({ name: 'test', level: 'trace', destination: out.stream });
    const config = {
      quarantineAt: 'high',
      servers: [
        { id: 'a', transport: 'http', url: 'https://a.test', headers: { Authorization: `Bearer ${SECRET}` } },
        { id: 'b', transport: 'stdio', command: 'node', env: { API_KEY: SECRET } },
      ],
    };
    logger.info({ config }, 'loaded config');
    logger.info({ servers: config.servers }, 'servers');
    logger.info({ server: config.servers[0] }, 'one server');
    logger.info({ headers: { authorization: SECRET } }, 'headers');
    logger.info({ env: { TOKEN: SECRET } }, 'env');
    logger.info({ req: { method: 'GET', headers: { authorization: `Bearer ${SECRET}`, cookie: `s=${SECRET}` } } }, 'req');
    logger.info({ token: SECRET, password: SECRET, apiKey: SECRET, secret: SECRET, authorization: SECRET }, 'flat');
    logger.info({ probe: { token: SECRET, password: SECRET } }, 'nested');
    const text = out.text();
    expect(text).not.toContain(SECRET);
    const lines = out.lines();
    expect(lines).toHaveLength(8);
    const first = lines[0] as { config: { servers: Array<Record<string, unknown>> } };
    // Non-secret fields survive; secret ones are replaced, not dropped, so the reader sees they existed.
    expect(first.config.servers[0]).toMatchObject({ id: 'a', url: 'https://a.test', headers: REDACTED });
    expect(first.config.servers[1]).toMatchObject({ id: 'b', command: 'node', env: REDACTED });
    expect(lines[5]).toMatchObject({ req: { method: 'GET' } });
  });

  it('does not mutate the logged object', () => {
    const out = capture();
    const logger = createLogger({ name: 'test', destination: out.stream });
    const server = { id: 'a', headers: { Authorization: SECRET } };
    logger.info({ server }, 'x');
    expect(server.headers.Authorization).toBe(SECRET);
  });

  it('rejects an unknown level up front', () => {
    expect(() => createLogger({ name: 'x', level: 'verbose' })).toThrow(/invalid log level "verbose"/);
  });

  it('defaults to LOG_LEVEL', () => {
    const before = process.env['LOG_LEVEL'];
    process.env['LOG_LEVEL'] = 'warn';
    try {
      const out = capture();
      const logger = createLogger({ name: 'x', destination: out.stream });
      expect(logger.level).toBe('warn');
      process.env['LOG_LEVEL'] = 'loud';
      expect(() => createLogger({ name: 'x', destination: out.stream })).toThrow(/invalid log level/);
    } finally {
      if (before === undefined) delete process.env['LOG_LEVEL'];
      else process.env['LOG_LEVEL'] = before;
    }
  });
});
