import { describe, expect, it } from 'vitest';
import { ServerId } from '@driftwatch/core';
import { IdAllocator, slugify } from '../../src/import/ids.js';
import { generatedName, upperSnake, Variables } from '../../src/import/variables.js';

describe('slugify', () => {
  it('makes a valid ServerId from any name', () => {
    for (const [name, id] of [
      ['Brave Search', 'brave-search'],
      ['linear (remote)', 'linear-remote'],
      ['Café Überall', 'cafe-uberall'],
      ['--odd--', 'odd'],
      ['日本語', 'server'],
      ['a'.repeat(300), 'a'.repeat(120)],
      ['io.github.user_x', 'io.github.user_x'],
    ] as const) {
      expect(slugify(name)).toBe(id);
      expect(ServerId.safeParse(slugify(name)).success).toBe(true);
    }
  });

  it('hands out unique ids: the name, the qualified name, then numbers', () => {
    const ids = new IdAllocator();
    expect([ids.allocate('db'), ids.allocate('db', 'blog'), ids.allocate('db', 'blog'), ids.allocate('DB')]).toEqual(['db', 'blog-db', 'db-2', 'db-3']);
  });
});

describe('generated variable names', () => {
  it('prefix the server once, in UPPER_SNAKE', () => {
    expect(upperSnake('x-api-Key')).toBe('X_API_KEY');
    expect(upperSnake('clientSecret')).toBe('CLIENT_SECRET');
    expect(generatedName('github', 'GITHUB_TOKEN')).toBe('GITHUB_TOKEN');
    expect(generatedName('brave-search', 'API_KEY')).toBe('BRAVE_SEARCH_API_KEY');
    expect(generatedName('1password', 'token')).toBe('DW_1PASSWORD_TOKEN');
  });
});

describe('Variables', () => {
  it('never generates a name the environment or Driftwatch itself uses', () => {
    const vars = new Variables();
    expect(vars.forLiteral('path', 'PATH', 'Zx81kQ0pLm3nB7vC5xR2', 'env PATH')).toBe('PATH_2');
    expect(vars.forLiteral('driftwatch', 'API_KEY', 'a-secret-1', 'env API_KEY')).toBe('IMPORTED_DRIFTWATCH_API_KEY');
    expect(vars.forLiteral('x', 'NODE_AUTH_TOKEN', 'a-secret-2', 'env NODE_AUTH_TOKEN')).toBe('X_NODE_AUTH_TOKEN');
  });

  it('numbers a name the file already references', () => {
    const vars = new Variables();
    vars.reserve(['GITHUB_TOKEN']);
    expect(vars.forLiteral('github', 'GITHUB_TOKEN', 'ghp_x', 'env GITHUB_TOKEN')).toBe('GITHUB_TOKEN_2');
    expect(vars.isGenerated('GITHUB_TOKEN_2')).toBe(true);
    expect(vars.isGenerated('GITHUB_TOKEN')).toBe(false);
  });
});
