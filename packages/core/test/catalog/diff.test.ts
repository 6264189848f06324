import { describe, expect, it } from 'vitest';
import { CatalogEntry, changedFields, diffCatalog, isEmptyChangeSet, staticCatalog } from '../../src/index.js';

const entry = (id: string, extra: Record<string, unknown> = {}) => CatalogEntry.parse({ id, transport: 'stdio', command: 'node', ...extra });

describe('catalog difference', () => {
  it('adds, changes and removes by id, sorted, and ignores key order', () => {
    const current = [entry('b'), entry('a', { interval: 30 }), entry('gone')];
    const reordered = CatalogEntry.parse({ interval: 30, command: 'node', transport: 'stdio', id: 'a' });
    const desired = [entry('new'), entry('b', { tags: ['prod'] }), reordered];
    const d = diffCatalog(current, desired);
    expect(d.added.map((e) => e.id)).toEqual(['new']);
    expect(d.changed.map((c) => [c.before.id, c.after.tags])).toEqual([['b', ['prod']]]);
    expect(d.removed.map((e) => e.id)).toEqual(['gone']);
    expect(isEmptyChangeSet(diffCatalog(desired, [...desired].reverse()))).toBe(true);
  });

  it('names changed fields, and headers or variables by name only', () => {
    const before = entry('a', { env: { TOKEN: '${A}', KEEP: '1' }, interval: 30 });
    const after = entry('a', { env: { TOKEN: '${B}', KEEP: '1', NEW: 'x' }, interval: 60, owner: 'team' });
    expect(changedFields(before, after)).toEqual(['env.NEW', 'env.TOKEN', 'interval', 'owner']);
  });

  it('a static catalog never changes and lists by id', () => {
    const c = staticCatalog([entry('z'), entry('a')]);
    expect(c.list().map((e) => e.id)).toEqual(['a', 'z']);
    expect(c.has('z')).toBe(true);
    expect(c.get('nope')).toBeUndefined();
  });
});
