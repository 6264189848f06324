import { describe, expect, it } from 'vitest';
import { isPackageSpec, looksGenerated } from '../../src/index.js';

describe('isPackageSpec', () => {
  it('knows the packages, images and files an MCP client config runs, which look generated', () => {
    const specs = [
      '@playwright/mcp@0.0.41',
      'mcp-remote@0.1.29',
      '@upstash/context7-mcp@^1.0.14',
      'openai-mcp-tools2@next',
      'acme-weather-mcp==1.4.0',
      'mcp-server-fetch[cli]>=2025.4.7',
      'ghcr.io/github/github-mcp-server:v0.13.0',
      'localhost:5000/team/mcp-server__v2',
      `ghcr.io/acme/weather@sha256:${'ab12'.repeat(16)}`,
      'tools/db-mcp-2024.js',
      'dist/server/index2.mjs',
    ];
    for (const spec of specs) {
      expect(looksGenerated(spec), spec).toBe(true);
      expect(isPackageSpec(spec), spec).toBe(true);
    }
  });

  it('is no way around the generated-token rule: a token that merely holds @, / or == is still one', () => {
    const tokens = [
      'ghp_0123456789abcdefABCDEF',
      'AbC123dEf456/GhI789jKl012',
      'sk_live_0123456789abcdef@',
      '@0123456789abcdefABCDEF',
      'user:Zx81kQ0pLm3nB7vC5xR2@host',
      'key==',
      'a1B2c3D4e5F6g7H8==',
      'abc/def@ghi/jkl@0123456789',
      'AKIA0123456789ABCDEF/x:y',
    ];
    for (const token of tokens) expect(isPackageSpec(token), token).toBe(false);
  });
});
