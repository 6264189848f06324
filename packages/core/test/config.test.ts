import { describe, expect, it } from 'vitest';
import { DriftwatchConfig, parseInterval } from '../src/config.js';

describe('DriftwatchConfig', () => {
  it('fills defaults: 60 s interval, auto approval, quarantine at high', () => {
    const c = DriftwatchConfig.parse({ servers: [{ id: 'a', transport: 'stdio', command: 'node' }] });
    expect(c.quarantineAt).toBe('high');
    expect(c.servers[0]).toMatchObject({ interval: 60, approval: 'auto', tags: [], args: [], env: {}, timeout: 15 });
  });
  it('parses durations', () => {
    expect(parseInterval('30s')).toBe(30);
    expect(parseInterval('5m')).toBe(300);
    expect(parseInterval('1h')).toBe(3600);
    expect(parseInterval(45)).toBe(45);
    expect(parseInterval('soon')).toBeNaN();
  });
  it('names the bad field', () => {
    const r = DriftwatchConfig.safeParse({
      servers: [
        { id: 'a', transport: 'http', url: 'ftp://x' },
        { id: 'a', transport: 'stdio', command: 'node', interval: '0s' },
      ],
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('servers.0.url');
    expect(paths).toContain('servers.1.interval');
    expect(paths).toContain('servers.1.id');
  });
  it('rejects unknown keys and bad server ids', () => {
    expect(DriftwatchConfig.safeParse({ servers: [{ id: 'a', transport: 'stdio', command: 'x', intervall: 5 }] }).success).toBe(false);
    expect(DriftwatchConfig.safeParse({ servers: [{ id: '../etc', transport: 'stdio', command: 'x' }] }).success).toBe(false);
  });
});
