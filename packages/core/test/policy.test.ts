import { describe, expect, it } from 'vitest';
import { decideResponse } from '../src/policy.js';

describe('decideResponse', () => {
  const policy = { quarantineAt: 'high', pageAt: 'high' } as const;
  it('quarantines and pages at or above the threshold', () => {
    expect(decideResponse({ action: 'trigger', severity: 'high' }, policy)).toEqual({ quarantine: true, page: true });
    expect(decideResponse({ action: 'trigger', severity: 'critical' }, policy)).toEqual({ quarantine: true, page: true });
  });
  it('does nothing below the threshold or for a resolve', () => {
    expect(decideResponse({ action: 'trigger', severity: 'medium' }, policy)).toEqual({ quarantine: false, page: false });
    expect(decideResponse({ action: 'resolve', severity: 'critical' }, policy)).toEqual({ quarantine: false, page: false });
  });
  it('follows a stricter configured threshold', () => {
    expect(decideResponse({ action: 'trigger', severity: 'medium' }, { quarantineAt: 'medium', pageAt: 'critical' })).toEqual({ quarantine: true, page: false });
  });
});
