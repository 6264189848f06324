import { describe, expect, it } from 'vitest';
import { EventStreamQuery, eventTypesOf } from '../../src/index.js';

describe('GET /v1/events query', () => {
  it('accepts every event type, incident included, alone or in a list', () => {
    for (const types of ['incident', 'alert,incident', 'alert,action,status,incident']) {
      expect(EventStreamQuery.safeParse({ types }).success, types).toBe(true);
    }
    expect(eventTypesOf('incident,alert,incident')).toEqual(['incident', 'alert']);
  });

  it('refuses a type that does not exist, and says which ones do', () => {
    for (const types of ['incidents', 'incident,', 'incident,bogus', ',alert']) {
      const parsed = EventStreamQuery.safeParse({ types });
      expect(parsed.success, types).toBe(false);
      expect(parsed.error?.issues[0]?.message).toBe('a comma-separated list of alert, action, status, incident');
    }
  });
});
