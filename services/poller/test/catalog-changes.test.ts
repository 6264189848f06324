import { describe, expect, it } from 'vitest';
import { CatalogEntry } from '@driftwatch/core';
import { pollingChange } from '../src/catalog-changes.js';

const e = (extra: Record<string, unknown> = {}) => CatalogEntry.parse({ id: 'a', transport: 'stdio', command: 'node', ...extra });

describe('what a catalog change means for the poller', () => {
  it('bookkeeping fields need no new poll', () => {
    expect(pollingChange(e(), e({ owner: 'team', tier: 'prod', tags: ['x'], approval: 'required', models: { pinned: [{ name: 'm' }] } }))).toBe('none');
  });
  it('interval and timeout move the schedule', () => {
    expect(pollingChange(e({ interval: 60 }), e({ interval: 5 }))).toBe('schedule');
    expect(pollingChange(e(), e({ timeout: 5, tags: ['x'] }))).toBe('schedule');
  });
  it('how the server is reached is a new probe', () => {
    expect(pollingChange(e(), e({ args: ['--v2'] }))).toBe('probe');
    expect(pollingChange(e(), e({ env: { TOKEN: '${NEW}' } }))).toBe('probe');
    expect(pollingChange(e(), e({ models: { ollama: 'http://127.0.0.1:11434' } }))).toBe('probe');
    expect(pollingChange(e(), CatalogEntry.parse({ id: 'a', transport: 'http', url: 'https://x.example/mcp' }))).toBe('probe');
  });
});
