import { describe, expect, it } from 'vitest';
import { ServerId } from '@driftwatch/core';
import { IdAllocator, slugify } from '../../src/import/ids.js';
import { generatedName, upperSnake } from '../../src/import/variables.js';

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
