/**
 * How many analysis threads a differ runs: the config's `differ:` keys (core's schema, read through
 * the runtime's loader as an operator would see it) and the default sized for the machine.
 */
import { defaultAnalysisThreads } from '@driftwatch/core';
import { parseConfig } from '@driftwatch/runtime';
import { configIssuesOf as issuesOf, ONE_SERVER as SERVERS } from '../../../test/support/config-issues.js';
import { describe, expect, it } from 'vitest';


describe('config: differ keys', () => {
  it('are optional, and read as given', () => {
    expect(parseConfig(SERVERS, { env: {} }).differ).toEqual({});
    expect(parseConfig(`differ: { analysisThreads: 3 }${SERVERS}`, { env: {} }).differ).toEqual({ analysisThreads: 3 });
  });

  it('refuses a bad value, naming the key', () => {
    expect(issuesOf(`differ: { analysisThreads: 0 }${SERVERS}`)).toEqual([{ path: 'differ.analysisThreads', message: 'must be at least 1' }]);
    expect(issuesOf(`differ: { analysisThreads: 1.5 }${SERVERS}`)).toEqual([{ path: 'differ.analysisThreads', message: 'must be a whole number of threads' }]);
    expect(issuesOf(`differ: { analysisThreads: 65, threads: 2 }${SERVERS}`)).toEqual(
      expect.arrayContaining([
        { path: 'differ.analysisThreads', message: 'must be at most 64' },
        { path: 'differ', message: 'unrecognized key "threads"' },
      ]),
    );
  });
});

describe('defaultAnalysisThreads', () => {
  it('leaves a core to the event loop when the differ runs alone, and two threads beside a poller', () => {
    expect(defaultAnalysisThreads({}, 2, true)).toBe(1);
    expect(defaultAnalysisThreads({}, 8, true)).toBe(7);
    expect(defaultAnalysisThreads({}, 32, true)).toBe(8);
    expect(defaultAnalysisThreads({}, 1, true)).toBe(1);
    expect(defaultAnalysisThreads({}, 8, false)).toBe(2);
    expect(defaultAnalysisThreads({}, 2, false)).toBe(2);
    expect(defaultAnalysisThreads({}, 1, false)).toBe(1);
  });

  it('takes the configured number as it is', () => {
    expect(defaultAnalysisThreads({ analysisThreads: 4 }, 2, false)).toBe(4);
  });
});
