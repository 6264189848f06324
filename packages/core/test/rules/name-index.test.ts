import { describe, expect, it } from 'vitest';
import { changedKeys, lookupOf, recordLookups, ToolNameIndex } from '../../src/rules/index.js';

describe('ToolNameIndex', () => {
  it('answers for the other servers only, the longest holder first', () => {
    const index = new ToolNameIndex();
    index.set('a', ['read_file', 'list_dir']);
    index.set('b', ['read_file']);
    expect(index.others('c').byName('read_file')).toBe('a');
    expect(index.others('a').byName('read_file')).toBe('b');
    expect(index.others('b').byName('list_dir')).toBe('a');
    expect(index.others('a').byName('list_dir')).toBeUndefined();
  });

  it('finds look-alikes by skeleton and by loose form', () => {
    const index = new ToolNameIndex();
    index.set('fs', ['read_file']);
    const view = index.others('evil');
    expect(view.bySkeleton(index.formsOf('re\u0430d_file').skeleton)).toEqual({ name: 'read_file', serverId: 'fs' });
    expect(view.byLoose(index.formsOf('ReadFile').loose)).toEqual({ name: 'read_file', serverId: 'fs' });
  });

  it('returns the names that came or went, and nothing for the same set', () => {
    const index = new ToolNameIndex();
    expect(index.set('a', ['x_1', 'y_2'])).toEqual(['x_1', 'y_2']);
    expect(index.set('a', ['y_2', 'x_1', 'x_1'])).toEqual([]);
    expect(index.set('a', ['y_2', 'z_3']).sort()).toEqual(['x_1', 'z_3']);
    expect(index.others('b').byName('x_1')).toBeUndefined();
    expect(index.delete('a').sort()).toEqual(['y_2', 'z_3']);
    expect(index.others('b').byName('z_3')).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it('a change touches exactly the keys a scan that looked those names up recorded', () => {
    const index = new ToolNameIndex();
    index.set('mail', ['send_email']);
    const deps = new Set<number>();
    const view = recordLookups(index.others('notes'), deps);
    view.byName('send_email');
    view.bySkeleton(index.formsOf('unrelated_tool').skeleton);
    const touched = (names: string[]) => changedKeys(names, index).some((k) => deps.has(k));
    expect(touched(['send_email'])).toBe(true);
    // Its skeleton was looked up: a look-alike appearing must re-scan it.
    expect(touched(['unrel\u0430ted_tool'])).toBe(true);
    expect(touched(['other_tool'])).toBe(false);
  });

  it('builds a view from plain lists, skipping the scanned server itself', () => {
    const view = lookupOf([{ serverId: 'self', toolNames: ['mine'] }, { serverId: 'fs', toolNames: ['read_file'] }], 'self');
    expect(view.byName('mine')).toBeUndefined();
    expect(view.byName('read_file')).toBe('fs');
  });
});
