import { describe, expect, it } from 'vitest';
import { ScanCache } from '../src/scan-cache.js';

const scan = (fingerprint: string) => ({ fingerprint, findings: [] });

describe('ScanCache', () => {
  it('drops only the scans that read a changed key', () => {
    const cache = new ScanCache();
    cache.set('a', scan('fa'), [1, 2]);
    cache.set('b', scan('fb'), [2, 3]);
    cache.set('c', scan('fc'), [4]);
    expect(cache.invalidate([3])).toBe(1);
    expect(cache.get('b')).toBeNull();
    expect(cache.get('a')).toMatchObject({ ...scan('fa'), keys: Uint32Array.from([1, 2]) });
    expect(cache.invalidate([2, 9])).toBe(1);
    expect(cache.get('a')).toBeNull();
    expect(cache.get('c')).toMatchObject(scan('fc'));
  });

  it('forgets the keys of a replaced scan', () => {
    const cache = new ScanCache();
    cache.set('a', scan('f1'), [1]);
    cache.set('a', scan('f2'), [2]);
    expect(cache.invalidate([1])).toBe(0);
    expect(cache.get('a')).toMatchObject({ ...scan('f2'), keys: Uint32Array.from([2]) });
    cache.delete('a');
    expect(cache.invalidate([2])).toBe(0);
  });

  it('stays correct while stale postings pile up and are compacted', () => {
    const cache = new ScanCache();
    // One server re-scanned many times leaves stale postings behind; the map is rebuilt from live ones.
    for (let i = 0; i < 5000; i++) cache.set('busy', scan(`f${i}`), Array.from({ length: 40 }, (_, k) => 1000 + ((i * 40 + k) % 7000)));
    cache.set('quiet', scan('q'), [42]);
    expect(cache.invalidate([1])).toBe(0);
    expect(cache.invalidate([42])).toBe(1);
    expect(cache.get('busy')?.fingerprint).toBe('f4999');
    const lastKeys = Array.from({ length: 40 }, (_, k) => 1000 + ((4999 * 40 + k) % 7000));
    expect(cache.invalidate([lastKeys[7]!])).toBe(1);
    expect(cache.size).toBe(0);
  });
});
