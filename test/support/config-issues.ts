import { ConfigError, parseConfig } from '@driftwatch/runtime';
import { expect } from 'vitest';

/** A catalog of one server, for config tests about other keys (append it to their YAML). */
export const ONE_SERVER = `
servers:
  - { id: a, transport: http, url: https://mcp.example.com/mcp }
`;

/** What the loader says, path and message, about a config it must refuse. */
export function configIssuesOf(text: string): Array<{ path: string; message: string }> {
  try {
    parseConfig(text, { source: 'dw.yaml', env: {} });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues.map(({ path, message }) => ({ path, message }));
  }
  throw new Error('expected the config to be refused');
}
