import { describe, expect, it } from 'vitest';
import { modelsFromMeta, ollamaTagsUrl, openAiModelsUrl } from '../src/index.js';

describe('model endpoint URLs', () => {
  it('appends /v1/models unless the base already ends in /v1', () => {
    expect(openAiModelsUrl('http://h:8000').href).toBe('http://h:8000/v1/models');
    expect(openAiModelsUrl('https://api.example.com/v1/').href).toBe('https://api.example.com/v1/models');
    expect(openAiModelsUrl('https://gw.example.com/openai').href).toBe('https://gw.example.com/openai/v1/models');
  });
  it('appends /api/tags for Ollama', () => {
    expect(ollamaTagsUrl('http://localhost:11434/').href).toBe('http://localhost:11434/api/tags');
  });
});

describe('modelsFromMeta', () => {
  it('accepts a name, an object, or an array of them under the known keys only', () => {
    expect(
      modelsFromMeta([
        { 'io.modelcontextprotocol/model': [{ name: 'a', digest: 'sha256:x', version: '2' }, 'b'] },
        { model: 'c', 'other/model': 'ignored' },
        { model: { digest: 'no name' } },
        { model: 42 },
        undefined,
        'not an object',
      ]),
    ).toEqual([
      { source: 'meta', name: 'a', digest: 'sha256:x', version: '2' },
      { source: 'meta', name: 'b' },
      { source: 'meta', name: 'c' },
    ]);
  });
});
