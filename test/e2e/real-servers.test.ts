/**
 * Zero false drift on real, unchanged MCP servers: the npm reference servers, each probed in a
 * fresh process several times, must give one snapshot fingerprint and no diff. (The 50-poll
 * figure comes from test/bench/repoll-stability.ts; this is the fast guard.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { realServers, repoll } from '../bench/repoll-stability.js';

const POLLS = 5;
const workDir = mkdtempSync(join(tmpdir(), 'driftwatch-real-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('real MCP servers re-polled unchanged', () => {
  for (const server of realServers(workDir)) {
    it(`${server.id} (${server.pkg}@${server.pkgVersion}): ${POLLS} polls, one fingerprint, no changes`, async () => {
      const r = await repoll(server, POLLS);
      expect(r.failures).toEqual([]);
      // A server that answers with no tools would pass trivially; each of these has tools.
      expect(r.tools).toBeGreaterThan(0);
      expect(r.changes.map(({ poll, change }) => `${poll}: ${change.kind} ${change.subject}: ${change.summary}`)).toEqual([]);
      expect(r.varyingPaths).toEqual([]);
      expect(r.distinct).toBe(1);
    }, 60_000);
  }
});
