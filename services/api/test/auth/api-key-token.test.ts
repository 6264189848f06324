import { describe, expect, it } from 'vitest';
import { ApiKeyId } from '@driftwatch/core';
import { newKeyId, newToken, parseToken } from '../../src/auth/api-key-token.js';

describe('api key token format', () => {
  it('is dw_<keyId>_<43 base64url chars>, and parses back to its key id', () => {
    for (let i = 0; i < 200; i++) {
      const id = newKeyId();
      expect(ApiKeyId.safeParse(id).success).toBe(true);
      const token = newToken(id);
      expect(token).toMatch(/^dw_k_[a-z2-7]{16}_[A-Za-z0-9_-]{43}$/);
      expect(parseToken(token)).toEqual({ keyId: id });
    }
  });

  it('draws fresh ids and secrets', () => {
    const ids = new Set(Array.from({ length: 1000 }, newKeyId));
    expect(ids.size).toBe(1000);
    const id = newKeyId();
    expect(newToken(id)).not.toBe(newToken(id));
  });

  it('refuses anything that is not exactly the format', () => {
    const good = newToken(newKeyId());
    const bad = [
      '',
      'dw_',
      good.slice(0, -1),
      `${good}A`,
      good.replace('dw_', 'DW_'),
      good.replace('_k_', '_K_'),
      good.replace(/^dw_k_[a-z2-7]/, 'dw_k_1'), // 1 is not base32
      `${good.slice(0, -1)}=`,
      `${good.slice(0, -1)}+`,
      ` ${good.slice(1)}`,
      `dw_k_aaaaaaaaaaaaaaaa_${'a'.repeat(10_000)}`,
    ];
    for (const t of bad) expect(parseToken(t), JSON.stringify(t.slice(0, 80))).toBeNull();
  });
});
