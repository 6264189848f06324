import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '@driftwatch/core';
import { ConfigError, loadConfig, parseConfig } from '../src/index.js';

/** Parses and returns the ConfigError it must throw. */
function configError(text: string, options: Parameters<typeof parseConfig>[1] = {}): ConfigError {
  try {
    parseConfig(text, { source: 'dw.yaml', env: {}, ...options });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected parseConfig to throw');
}

const HTTP_SERVER = `
  - id: docs
    transport: http
    url: https://mcp.example.com/mcp
`;

describe('parseConfig: valid configs', () => {
  it('fills defaults: interval 60 s, timeout 15 s, approval auto, quarantineAt high', () => {
    const config = parseConfig(`servers:${HTTP_SERVER}`, { env: {} });
    expect(config.quarantineAt).toBe('high');
    expect(config.servers).toHaveLength(1);
    const [server] = config.servers;
    expect(server).toMatchObject({
      id: 'docs',
      transport: 'http',
      url: 'https://mcp.example.com/mcp',
      interval: 60,
      timeout: 15,
      approval: 'auto',
      tags: [],
      headers: {},
    });
  });

  it('parses interval units into seconds', () => {
    const config = parseConfig(
      `servers:
  - { id: a, transport: http, url: "http://a.test/mcp", interval: 30s }
  - { id: b, transport: http, url: "http://b.test/mcp", interval: 5m, timeout: "2500ms" }
  - { id: c, transport: http, url: "http://c.test/mcp", interval: 1h }
  - { id: d, transport: http, url: "http://d.test/mcp", interval: 90 }
`,
      { env: {} },
    );
    expect(config.servers.map((s) => s.interval)).toEqual([30, 300, 3600, 90]);
    expect(config.servers[1]?.timeout).toBe(2.5);
  });

  it('accepts JSON (a YAML subset) and explicit values', () => {
    const config = parseConfig(
      JSON.stringify({
        quarantineAt: 'critical',
        servers: [{ id: 'fs', transport: 'stdio', command: 'node', args: ['server.js'], approval: 'required', tags: ['prod'] }],
      }),
      { env: {}, baseDir: '/srv/dw' },
    );
    expect(config.quarantineAt).toBe('critical');
    expect(config.servers[0]).toMatchObject({ command: 'node', args: ['server.js'], approval: 'required', tags: ['prod'] });
  });
});

describe('parseConfig: every bad field is named', () => {
  it('bad url', () => {
    const err = configError(`servers:${HTTP_SERVER}  - id: two\n    transport: http\n    url: "ftp://files.example.com"\n`);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.issues).toEqual([{ path: 'servers[1].url', message: 'must be a valid http:// or https:// URL' }]);
    expect(err.message).toBe('dw.yaml: servers[1].url: must be a valid http:// or https:// URL');
  });

  it('unknown key names the key', () => {
    const err = configError(`servers:\n  - id: a\n    transport: http\n    url: http://a.test\n    intervall: 30\n`);
    expect(err.message).toBe('dw.yaml: servers[0]: unrecognized key "intervall"');
  });

  it('unknown top-level key', () => {
    const err = configError(`servers: []\nquarantineAT: high\n`);
    expect(err.issues).toEqual([{ path: '', message: 'unrecognized key "quarantineAT"' }]);
  });

  it('duplicate id', () => {
    const err = configError(`servers:${HTTP_SERVER}${HTTP_SERVER}`);
    expect(err.issues).toEqual([{ path: 'servers[1].id', message: 'duplicate server id "docs"' }]);
  });

  it('duplicate id is still reported when another field of the list is also bad', () => {
    const err = configError(`servers:${HTTP_SERVER}${HTTP_SERVER}    interval: never\n`);
    expect(err.issues.map((i) => i.path)).toEqual(['servers[1].interval', 'servers[1].id']);
  });

  it('bad severity', () => {
    const err = configError(`quarantineAt: severe\nservers: []\n`);
    expect(err.issues).toEqual([{ path: 'quarantineAt', message: 'must be one of "info", "low", "medium", "high", "critical"' }]);
  });

  it('bad interval (unparseable, too small, wrong type)', () => {
    const err = configError(`servers:
  - { id: a, transport: http, url: "http://a.test", interval: soon }
  - { id: b, transport: http, url: "http://b.test", interval: 0 }
  - { id: c, transport: http, url: "http://c.test", interval: [1] }
`);
    expect(err.issues.map((i) => i.path)).toEqual(['servers[0].interval', 'servers[1].interval', 'servers[2].interval']);
    expect(err.issues[0]?.message).toMatch(/^must be a duration/);
    expect(err.issues[1]?.message).toMatch(/^must be a duration/);
  });

  it('missing command on a stdio server', () => {
    const err = configError(`servers:\n  - id: fs\n    transport: stdio\n`);
    expect(err.issues).toEqual([{ path: 'servers[0].command', message: 'is required' }]);
  });

  it('missing or unknown transport lists the choices', () => {
    const err = configError(`servers:\n  - id: a\n  - id: b\n    transport: websocket\n`);
    expect(err.issues).toEqual([
      { path: 'servers[0].transport', message: 'is required (one of "stdio", "http")' },
      { path: 'servers[1].transport', message: 'must be one of "stdio", "http"' },
    ]);
  });

  it('bad id, bad env name, wrong type: all issues, one per line, each prefixed with the file', () => {
    const err = configError(`servers:
  - id: "-bad"
    transport: stdio
    command: node
    env: { "not-a-name": x }
    args: notalist
`);
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.startsWith('dw.yaml: servers[0].')).toBe(true);
    expect(err.message).toContain('servers[0].id: has an invalid format');
    expect(err.message).toContain('servers[0].env["not-a-name"]: invalid key (expected an environment variable name)');
    expect(err.message).toContain('servers[0].args: must be a list, got a string');
  });

  it('an empty file, a scalar file and a file without servers each say what is expected', () => {
    expect(configError('').message).toBe('dw.yaml: config is empty: expected a mapping with a "servers" list');
    expect(configError('just text').message).toBe('dw.yaml: config must be a mapping with a "servers" list, got a string');
    expect(configError('quarantineAt: low').message).toBe('dw.yaml: servers: is required');
  });
});

describe('parseConfig: SSRF policy', () => {
  it('refuses metadata, unspecified and decimal loopback hosts, one line per problem naming the field', () => {
    const err = configError(`allowPrivateNetwork: false
servers:
  - { id: imds, transport: http, url: "http://169.254.169.254/latest/meta-data/" }
  - { id: ssh, transport: http, url: "http://0.0.0.0:22/" }
  - { id: admin, transport: http, url: "http://2130706433:9090/admin" }
  - { id: aws6, transport: http, url: "http://[fd00:ec2::254]/" }
  - id: llm
    transport: stdio
    command: node
    models: { openai: "http://metadata.google.internal/v1", ollama: "http://10.0.0.7:11434" }
`);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message.split('\n')).toEqual([
      'dw.yaml: servers[0].url: host is a cloud metadata address, which Driftwatch never connects to (got 169.254.169.254)',
      'dw.yaml: servers[1].url: host is an unspecified address, which Driftwatch never connects to (got 0.0.0.0)',
      'dw.yaml: servers[2].url: host is a loopback address; set allowPrivateNetwork: true on this server (or at the top level) to allow it (got 127.0.0.1)',
      'dw.yaml: servers[3].url: host is a cloud metadata address, which Driftwatch never connects to (got [fd00:ec2::254])',
      'dw.yaml: servers[4].models.openai: host is a cloud metadata host name, which Driftwatch never connects to (got metadata.google.internal)',
      'dw.yaml: servers[4].models.ollama: host is a private network address; set allowPrivateNetwork: true on this server (or at the top level) to allow it (got 10.0.0.7)',
    ]);
  });

  it('accepts an internal server that allows private networks, and public host names as before', () => {
    const config = parseConfig(
      `servers:${HTTP_SERVER}  - id: notes
    transport: http
    url: http://127.0.0.1:7431/mcp
    allowPrivateNetwork: true
`,
      { env: {} },
    );
    expect(config.servers.map((s) => [s.id, s.allowPrivateNetwork])).toEqual([
      ['docs', false],
      ['notes', true],
    ]);
  });

  it('a refused host that came from the environment is not echoed', () => {
    const err = configError(`servers:\n  - { id: a, transport: http, url: "\${MCP_URL}" }\n`, { env: { MCP_URL: 'http://169.254.169.254/?k=hunter2' } });
    expect(err.issues).toEqual([{ path: 'servers[0].url', message: 'host is a cloud metadata address, which Driftwatch never connects to (value taken from the environment)' }]);
    expect(err.message).not.toContain('hunter2');
  });

  it('refuses a non-boolean allowPrivateNetwork', () => {
    const err = configError(`allowPrivateNetwork: "yes"\nservers:${HTTP_SERVER}`);
    expect(err.issues).toEqual([{ path: 'allowPrivateNetwork', message: 'must be a boolean, got a string' }]);
  });
});

describe('parseConfig: YAML', () => {
  it('syntax errors carry line:col', () => {
    const err = configError(`servers:\n  - id: a\n    url: x: y\n`);
    expect(err.code).toBe('CONFIG_SYNTAX');
    expect(err.issues[0]).toMatchObject({ line: 3, column: 10 });
    expect(err.message).toBe('dw.yaml:3:10: Nested mappings are not allowed in compact mappings');
    const tabs = configError(`quarantineAt: high\nservers:\n\t- id: a\n`);
    expect(tabs.message).toMatch(/^dw\.yaml:3:1: Tabs are not allowed/);
  });

  it('syntax error messages do not quote the source line (it may hold a secret)', () => {
    const err = configError(`servers:\n  - headers: { Authorization: "Bearer s3cr3t-token" \n`);
    expect(err.code).toBe('CONFIG_SYNTAX');
    expect(err.message).not.toContain('s3cr3t');
  });

  it('duplicate keys are a syntax error', () => {
    const err = configError(`servers: []\nservers: []\n`);
    expect(err.code).toBe('CONFIG_SYNTAX');
    expect(err.issues[0]?.line).toBe(2);
  });

  it('rejects an alias bomb instead of expanding it', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'servers: *f',
    ].join('\n');
    const err = configError(bomb);
    expect(err.code).toBe('CONFIG_SYNTAX');
    expect(err.message).toMatch(/alias/i);
  });

  it('a few aliases are fine', () => {
    const withAlias = parseConfig(
      `servers:\n  - &one { id: a, transport: http, url: "http://a.test", tags: &t [x] }\n  - { id: b, transport: http, url: "http://b.test", tags: *t }\n`,
      { env: {} },
    );
    expect(withAlias.servers[1]?.tags).toEqual(['x']);
  });

  it('YAML merge keys share settings between servers, with anchors kept under an x- key', () => {
    const config = parseConfig(
      `x-defaults: &defaults\n  transport: http\n  interval: 5m\n  tags: [shared]\nservers:\n  - <<: *defaults\n    id: a\n    url: "https://a.example"\n  - <<: *defaults\n    id: b\n    url: "https://b.example"\n    interval: 30s\n`,
      { env: {} },
    );
    expect(config.servers.map((s) => [s.id, s.transport, s.interval, s.tags])).toEqual([
      ['a', 'http', 300, ['shared']],
      ['b', 'http', 30, ['shared']],
    ]);
  });

  it('refuses deeply nested input in one clear line, before parsing it (no stack overflow)', () => {
    for (const depth of [1_000, 100_000]) {
      const err = configError(`{"servers":${'['.repeat(depth)}${']'.repeat(depth)}}`);
      expect(err.code).toBe('CONFIG_SYNTAX');
      expect(err.message).toMatch(/^dw\.yaml:1:\d+: config is nested deeper than 64 levels; refusing to parse it$/);
    }
    const indented = Array.from({ length: 40 }, (_, i) => `${' '.repeat(i * 14)}k${i}:`).join('\n');
    expect(configError(indented).message).toMatch(/indented deeper than 512 columns/);
    // Brackets inside strings and comments are text, not nesting.
    expect(() => parseConfig(`# ${'['.repeat(100)}\nservers: []\nx-note: "${'{'.repeat(100)}"\n`, { env: {} })).not.toThrow();
  });

  it('rejects a config over the size limit before parsing it', () => {
    const err = configError('#'.repeat(LIMITS.maxConfigBytes + 1));
    expect(err.code).toBe('CONFIG_TOO_LARGE');
  });
});

describe('parseConfig: ${VAR} interpolation', () => {
  const text = `servers:
  - id: api
    transport: http
    url: "https://\${MCP_HOST:-mcp.example.com}/mcp"
    headers:
      Authorization: "Bearer \${MCP_TOKEN}"
      X-Literal: "$\${NOT_A_VAR}"
  - id: fs
    transport: stdio
    command: node
    env: { API_KEY: "\${FS_KEY}" }
`;

  it('substitutes variables and defaults in string values', () => {
    const config = parseConfig(text, { env: { MCP_TOKEN: 'tok-123', FS_KEY: 'k-456' } });
    const [api, fs] = config.servers;
    expect(api?.transport === 'http' && api.url).toBe('https://mcp.example.com/mcp');
    expect(api?.transport === 'http' && api.headers).toEqual({ Authorization: 'Bearer tok-123', 'X-Literal': '${NOT_A_VAR}' });
    expect(fs?.transport === 'stdio' && fs.env).toEqual({ API_KEY: 'k-456' });
    const other = parseConfig(text, { env: { MCP_HOST: 'other.test', MCP_TOKEN: 't', FS_KEY: 'k' } });
    expect(other.servers[0]?.transport === 'http' && other.servers[0].url).toBe('https://other.test/mcp');
  });

  it('a missing variable names the field and the variable, never a value', () => {
    const err = configError(text, { env: { FS_KEY: 'super-secret-value' } });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]?.path).toBe('servers[0].headers.Authorization');
    expect(err.issues[0]?.message).toMatch(/MCP_TOKEN is not set/);
    expect(err.message).not.toContain('super-secret-value');
  });

  it('a malformed reference is an error, not a literal credential', () => {
    const err = configError(`servers:\n  - { id: a, transport: http, url: "http://a.test", headers: { k: "\${API KEY}" } }\n`);
    expect(err.issues[0]?.path).toBe('servers[0].headers.k');
    expect(err.issues[0]?.message).toMatch(/malformed/);
  });

  it('a bad value that came from the environment is not echoed', () => {
    const err = configError(`servers:\n  - { id: a, transport: http, url: "http://a.test", interval: "\${IV}" }\n`, { env: { IV: 'hunter2' } });
    expect(err.issues[0]?.path).toBe('servers[0].interval');
    expect(err.message).not.toContain('hunter2');
  });

  it('keys are not interpolated', () => {
    const err = configError(`servers:\n  - { id: a, transport: stdio, command: x, env: { "\${NAME}": v } }\n`, { env: { NAME: 'OK' } });
    expect(err.issues[0]?.path).toBe('servers[0].env["${NAME}"]');
  });
});

describe('stdio cwd and loadConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-config-'));
    await mkdir(join(dir, 'conf'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves a relative cwd against baseDir and defaults to baseDir', () => {
    const config = parseConfig(
      `servers:\n  - { id: a, transport: stdio, command: node, cwd: ./servers/a }\n  - { id: b, transport: stdio, command: node }\n  - { id: c, transport: stdio, command: node, cwd: /opt/c }\n`,
      { env: {}, baseDir: '/etc/driftwatch' },
    );
    expect(config.servers.map((s) => (s.transport === 'stdio' ? s.cwd : undefined))).toEqual([
      '/etc/driftwatch/servers/a',
      '/etc/driftwatch',
      '/opt/c',
    ]);
  });

  it('loadConfig resolves cwd against the file directory and prefixes errors with the path', async () => {
    const file = join(dir, 'conf', 'driftwatch.yaml');
    await writeFile(file, `servers:\n  - { id: a, transport: stdio, command: node, cwd: bin }\n`);
    const config = await loadConfig(file, { env: {} });
    expect(config.servers[0]?.transport === 'stdio' && config.servers[0].cwd).toBe(join(dir, 'conf', 'bin'));

    await writeFile(file, `servers:\n  - { id: a, transport: stdio }\n`);
    await expect(loadConfig(file, { env: {} })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `${file}: servers[0].command: is required`,
    });
  });

  it('missing file → CONFIG_NOT_FOUND; directory → CONFIG_NOT_FOUND; too large → CONFIG_TOO_LARGE', async () => {
    await expect(loadConfig(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' });
    await expect(loadConfig(dir)).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' });
    const big = join(dir, 'big.yaml');
    await writeFile(big, `# ${'x'.repeat(LIMITS.maxConfigBytes)}\nservers: []\n`);
    await expect(loadConfig(big)).rejects.toMatchObject({ code: 'CONFIG_TOO_LARGE' });
  });

  it('uses process.env by default for interpolation', async () => {
    const file = join(dir, 'env.yaml');
    await writeFile(file, `servers:\n  - { id: a, transport: http, url: "http://a.test", headers: { t: "\${DW_TEST_TOKEN_XYZ}" } }\n`);
    process.env['DW_TEST_TOKEN_XYZ'] = 'from-env';
    try {
      const config = await loadConfig(file);
      expect(config.servers[0]?.transport === 'http' && config.servers[0].headers['t']).toBe('from-env');
    } finally {
      delete process.env['DW_TEST_TOKEN_XYZ'];
    }
  });
});
