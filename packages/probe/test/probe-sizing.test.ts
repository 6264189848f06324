/**
 * How much one poller probes at once: the config's `poller:` keys (core's schema, read through
 * the runtime's loader as an operator would see it) and the defaults sized for the machine.
 */
import { Observation } from '@driftwatch/core';
import { parseConfig } from '@driftwatch/runtime';
import { configIssuesOf as issuesOf, ONE_SERVER as SERVERS } from '../../../test/support/config-issues.js';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createProbeHost, defaultProbeSizing } from '../src/index.js';
import { PROMPTS, RESOURCE_TEMPLATES, RESOURCES, TOOLS } from '../src/lists.js';


describe('config: poller keys', () => {
  it('are optional: unset, the poller is sized for the machine', () => {
    expect(parseConfig(SERVERS, { env: {} }).poller).toEqual({});
  });

  it('are read as given', () => {
    const config = parseConfig(`poller: { threads: 4, maxConcurrentProbes: 200, maxConcurrentStdio: 12 }${SERVERS}`, { env: {} });
    expect(config.poller).toEqual({ threads: 4, maxConcurrentProbes: 200, maxConcurrentStdio: 12 });
  });

  it('refuses every bad value in one pass, naming the key and saying what would do', () => {
    const issues = issuesOf(`poller: { threads: 0, maxConcurrentProbes: 1.5, maxConcurrentStdio: "many", treads: 2 }${SERVERS}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'poller.threads', message: 'must be at least 1' },
        { path: 'poller.maxConcurrentProbes', message: 'must be a whole number of polls' },
        { path: 'poller.maxConcurrentStdio', message: 'must be a number, got a string' },
        { path: 'poller', message: 'unrecognized key "treads"' },
      ]),
    );
    expect(issues).toHaveLength(4);
    expect(issuesOf(`poller: { threads: 65, maxConcurrentProbes: 5000, maxConcurrentStdio: -1 }${SERVERS}`)).toEqual([
      { path: 'poller.threads', message: 'must be at most 64' },
      { path: 'poller.maxConcurrentProbes', message: 'must be at most 4096' },
      { path: 'poller.maxConcurrentStdio', message: 'must be at least 1' },
    ]);
    expect(issuesOf(`poller: 8${SERVERS}`)).toEqual([{ path: 'poller', message: 'must be a mapping, got a number' }]);
  });
});

describe('defaultProbeSizing', () => {
  it('sizes for the cores: one thread each plus the isolation thread, 32 polls per thread, 8 stdio polls per core', () => {
    expect(defaultProbeSizing({}, 2)).toEqual({ threads: 3, concurrentPerThread: 32, maxConcurrentProbes: 96, maxConcurrentStdio: 16 });
    expect(defaultProbeSizing({}, 1)).toEqual({ threads: 2, concurrentPerThread: 32, maxConcurrentProbes: 64, maxConcurrentStdio: 8 });
    expect(defaultProbeSizing({}, 8)).toMatchObject({ threads: 9, maxConcurrentProbes: 288, maxConcurrentStdio: 64 });
  });

  it('takes what is configured and fits the per-thread share to it', () => {
    expect(defaultProbeSizing({ threads: 4 }, 2)).toEqual({ threads: 4, concurrentPerThread: 32, maxConcurrentProbes: 128, maxConcurrentStdio: 16 });
    expect(defaultProbeSizing({ threads: 4, maxConcurrentProbes: 10 }, 2)).toMatchObject({ threads: 4, concurrentPerThread: 3, maxConcurrentProbes: 10 });
    expect(defaultProbeSizing({ maxConcurrentProbes: 500, maxConcurrentStdio: 2 }, 2)).toEqual({
      threads: 3,
      concurrentPerThread: 167,
      maxConcurrentProbes: 500,
      maxConcurrentStdio: 2,
    });
  });

  it('the probe host checks its stdio bound up front', () => {
    expect(() => createProbeHost({ logger: pino({ level: 'silent' }), threads: 1, maxConcurrentStdio: 0 })).toThrow(/maxConcurrentStdio must be an integer ≥ 1/);
  });
});

describe('observation check', () => {
  // probe.ts checks only the lists' lengths at the end: each item was already parsed, when it was
  // admitted, by the very schema Observation has for it. This keeps the two the same schema.
  it('admits list items with the schemas Observation uses for them', () => {
    expect(TOOLS.ours).toBe(Observation.shape.tools.element);
    expect(PROMPTS.ours).toBe(Observation.shape.prompts.element);
    expect(RESOURCES.ours).toBe(Observation.shape.resources.element);
    expect(RESOURCE_TEMPLATES.ours).toBe(Observation.shape.resourceTemplates.element);
  });
});
