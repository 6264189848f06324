import { describe, expect, it } from 'vitest';
import { API_SCOPES, ApiKeyRecord, ApiSettings } from '@driftwatch/core';
import { SCOPES, scopeAllows } from '../../src/auth/types.js';

describe('scopes', () => {
  it("core's API_SCOPES (config, key records) and the API's SCOPES are the same ordered list", () => {
    expect([...API_SCOPES]).toEqual([...SCOPES]);
    expect(scopeAllows('admin', 'read')).toBe(true);
    expect(scopeAllows('read', 'operate')).toBe(false);
  });

  it('every scope is accepted by the config and the key record schema, and nothing else', () => {
    const oidc = { issuer: 'https://i.example/', audience: 'a', jwksUrl: 'https://i.example/jwks' };
    for (const s of SCOPES) expect(ApiSettings.safeParse({ oidc: { ...oidc, scopeMap: { x: s } } }).success).toBe(true);
    expect(ApiSettings.safeParse({ oidc: { ...oidc, scopeMap: { x: 'superuser' } } }).success).toBe(false);
    expect(ApiKeyRecord.shape.scope.options).toEqual([...SCOPES]);
  });
});
