import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/import/formats/errors.js';
import { parseServerJson } from '../../../src/import/formats/server-json.js';
import { SSE_NOTE } from '../../../src/import/formats/shared.js';
import { FIXTURES, fixtureDoc } from '../fixtures.js';

describe('server.json parser', () => {
  it('turns each package and remote into a server, references for secrets and unset required inputs', async () => {
    const parsed = parseServerJson(await fixtureDoc(FIXTURES.serverJson.file));
    expect(parsed.servers).toEqual([
      {
        name: 'weather-npm',
        where: 'packages[0] (npm)',
        transport: 'stdio',
        command: 'npx',
        // --verbose is optional with no value: left out.
        args: ['-y', '@acme/weather-mcp@1.4.0', '--units', 'metric', '${WEATHER_CACHE_DIR}'],
        // The publisher's literal for a secret input is not copied.
        env: { WEATHER_API_KEY: '${WEATHER_API_KEY}', WEATHER_REGION: 'eu-west' },
        notes: [],
      },
      { name: 'weather-pypi', where: 'packages[1] (pypi)', transport: 'stdio', command: 'uvx', args: ['acme-weather-mcp==1.4.0'], env: { WEATHER_API_KEY: '${WEATHER_API_KEY}' }, notes: [] },
      {
        name: 'weather-oci',
        where: 'packages[2] (oci)',
        transport: 'stdio',
        command: 'docker',
        args: ['run', '-i', '--rm', '--mount', 'type=bind,src=${WEATHER_MOUNT_SOURCE_PATH},dst=/data', '-e', 'WEATHER_API_KEY', 'ghcr.io/acme/weather-mcp:1.4.0'],
        env: { WEATHER_API_KEY: '${WEATHER_API_KEY}' },
        notes: [],
      },
      {
        name: 'weather-remote',
        where: 'remotes[0] (streamable-http)',
        transport: 'http',
        url: 'https://${WEATHER_TENANT}.weather.acme.example/mcp',
        headers: { Authorization: 'Bearer ${WEATHER_AUTHORIZATION_TOKEN}', 'X-Client': 'driftwatch', 'X-Api-Key': '${WEATHER_X_API_KEY}' },
        notes: [],
      },
      { name: 'weather-sse', where: 'remotes[1] (sse)', transport: 'http', url: 'https://weather.acme.example/sse', notes: [SSE_NOTE] },
    ]);
    expect(parsed.skipped).toEqual([{ name: 'weather-mcpb', where: 'packages[3]', reason: expect.stringMatching(/^an MCP bundle \(mcpb\)/) }]);
    expect(parsed.variableHints!.get('WEATHER_API_KEY')).toBe('API key for the weather service');
    expect(parsed.variableHints!.get('WEATHER_TENANT')).toBe('Your tenant id');
  });

  it('names a lone artifact after the server, unwraps a registry API answer, and maps nuget and old-style OCI', () => {
    const parsed = parseServerJson({
      server: {
        name: 'io.github.x/tool',
        packages: [{ registryType: 'nuget', identifier: 'X.Tool', version: '0.4.0', transport: { type: 'stdio' }, packageArguments: [{ type: 'positional', value: 'mcp' }] }],
      },
      _meta: {},
    });
    expect(parsed.servers).toEqual([expect.objectContaining({ name: 'tool', command: 'dnx', args: ['X.Tool@0.4.0', '--yes', '--', 'mcp'] })]);
    const oci = parseServerJson({ name: 'a/b', packages: [{ registryType: 'oci', identifier: 'acme/b', version: '2.0.0', transport: { type: 'stdio' } }] });
    expect(oci.servers[0]!.args).toEqual(['run', '-i', '--rm', 'acme/b:2.0.0']);
  });

  it('skips what it cannot run, with a reason', () => {
    const parsed = parseServerJson({
      name: 'a/b',
      packages: [
        { registryType: 'npm', identifier: 'b', version: '1.0.0', transport: { type: 'streamable-http', url: 'http://localhost:{port}/mcp' } },
        { registryType: 'cargo', identifier: 'b', version: '1.0.0', transport: { type: 'stdio' } },
        { registryType: 'npm' },
      ],
      remotes: [{ type: 'websocket', url: 'wss://b.example' }],
    });
    expect(parsed.servers).toEqual([]);
    expect(parsed.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/^the package serves "streamable-http" once started/),
      expect.stringMatching(/^registryType "cargo" is not one Driftwatch can turn into a command/),
      expect.stringMatching(/^identifier: /),
      'remote type "websocket" is not streamable-http or sse',
    ]);
  });

  it('refuses a document that is not a server.json', () => {
    expect(() => parseServerJson({ name: 'a/b' })).toThrow(new FormatError('has neither "packages" nor "remotes"'));
    expect(() => parseServerJson({ packages: [] })).toThrow(FormatError);
  });
});
