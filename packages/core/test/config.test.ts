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

  it('lets servers inherit the top-level allowPrivateNetwork (default false) unless they set their own', () => {
    const none = DriftwatchConfig.parse({ servers: [{ id: 'a', transport: 'http', url: 'https://mcp.example.com/mcp' }] });
    expect(none.allowPrivateNetwork).toBe(false);
    expect(none.servers[0]!.allowPrivateNetwork).toBe(false);
    const all = DriftwatchConfig.parse({
      allowPrivateNetwork: true,
      servers: [
        { id: 'a', transport: 'http', url: 'http://10.0.0.5/mcp' },
        { id: 'b', transport: 'http', url: 'https://mcp.example.com/mcp', allowPrivateNetwork: false },
        { id: 'c', transport: 'stdio', command: 'node' },
      ],
    });
    expect(all.servers.map((s) => s.allowPrivateNetwork)).toEqual([true, false, true]);
  });
});

describe('DriftwatchConfig: SSRF policy at load', () => {
  const issuesOf = (config: unknown): Array<{ path: string; message: string }> => {
    const r = DriftwatchConfig.safeParse(config);
    expect(r.success).toBe(false);
    return r.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  };

  it('refuses metadata, link-local and unspecified hosts even with allowPrivateNetwork, whatever the spelling', () => {
    const issues = issuesOf({
      allowPrivateNetwork: true,
      servers: [
        { id: 'a', transport: 'http', url: 'http://169.254.169.254/latest/meta-data' },
        { id: 'b', transport: 'http', url: 'http://[fd00:ec2::254]/' },
        { id: 'c', transport: 'http', url: 'http://0.0.0.0:22/' },
        { id: 'd', transport: 'http', url: 'http://2852039166/' },
        { id: 'e', transport: 'http', url: 'http://metadata.google.internal/computeMetadata/v1/' },
        { id: 'f', transport: 'http', url: 'http://[::ffff:169.254.169.254]/' },
        { id: 'g', transport: 'http', url: 'http://169.254.10.1:8080/mcp' },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual(['servers.0.url', 'servers.1.url', 'servers.2.url', 'servers.3.url', 'servers.4.url', 'servers.5.url', 'servers.6.url']);
    expect(issues[0]!.message).toBe('host is a cloud metadata address, which Driftwatch never connects to (got 169.254.169.254)');
    expect(issues[2]!.message).toContain('unspecified address');
    expect(issues[3]!.message).toContain('(got 169.254.169.254)');
    expect(issues[4]!.message).toContain('cloud metadata host name');
    expect(issues[6]!.message).toContain('link-local');
  });

  it('refuses private and loopback literals unless the server (or the top level) allows them', () => {
    const issues = issuesOf({
      servers: [
        { id: 'a', transport: 'http', url: 'http://2130706433:8080/admin' },
        { id: 'b', transport: 'http', url: 'http://10.1.2.3/mcp' },
        { id: 'c', transport: 'http', url: 'http://127.0.0.1:7431/mcp', allowPrivateNetwork: true },
        { id: 'd', transport: 'stdio', command: 'node', models: { ollama: 'http://localhost:11434', openai: 'http://192.168.1.10' } },
      ],
    });
    expect(issues).toEqual([
      { path: 'servers.0.url', message: expect.stringMatching(/^host is a loopback address; set allowPrivateNetwork: true .* \(got 127\.0\.0\.1\)$/) },
      { path: 'servers.1.url', message: expect.stringContaining('private network address') },
      { path: 'servers.3.models.openai', message: expect.stringContaining('private network address') },
      { path: 'servers.3.models.ollama', message: expect.stringContaining('loopback host name') },
    ]);
  });

  it('reports address problems in the same pass as other problems', () => {
    const issues = issuesOf({ servers: [{ id: 'a', transport: 'http', url: 'http://169.254.169.254/', intervall: 5 }, { id: 'b', transport: 'stdio' }] });
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['servers.0', 'servers.0.url', 'servers.1.command']));
  });

  it('refuses model endpoints that are not http(s)', () => {
    const issues = issuesOf({ servers: [{ id: 'a', transport: 'stdio', command: 'node', models: { openai: 'file:///etc/passwd' } }] });
    expect(issues.map((i) => i.path)).toEqual(['servers.0.models.openai']);
  });

  it('keeps public host names working: they are checked when resolved, at every probe', () => {
    expect(DriftwatchConfig.safeParse({ servers: [{ id: 'a', transport: 'http', url: 'https://mcp.example.com/mcp', models: { openai: 'https://api.openai.com/v1' } }] }).success).toBe(true);
  });
});
