import { describe, it, expect } from 'vitest';
import { ToolInfo } from '../../packages/core/src/schemas/snapshot.js';
import {
  FAMILIES,
  HOSTS,
  PLACEMENTS,
  REGISTERS,
  afterFirstSentence,
  generateVariants,
  readBenignFiles,
  type ParaphraseVariant,
} from '../corpus/paraphrase/generate.js';
import { WORDINGS } from '../corpus/paraphrase/wordings.js';

// The generator is checked for shape only: nothing here scans its output.
const benign = readBenignFiles();
const variants = generateVariants(benign);

function original(v: ParaphraseVariant): ToolInfo {
  const file = benign.find((f) => f.source.package === v.hostServer);
  const tool = file?.tools.find((t) => t.name === v.hostTool);
  if (!tool) throw new Error(`host ${v.hostServer}/${v.hostTool} not found`);
  return tool;
}

function paramDescription(t: ToolInfo, name: string): unknown {
  const props = t.inputSchema.properties as Record<string, Record<string, unknown>> | undefined;
  return props?.[name]?.description;
}

describe('paraphrase generator', () => {
  it('is deterministic (two runs, and input order does not matter)', () => {
    expect(generateVariants(readBenignFiles())).toEqual(variants);
    expect(generateVariants([...benign].reverse())).toEqual(variants);
  });

  it('yields at least 500 variants with unique, well-formed ids', () => {
    expect(variants.length).toBeGreaterThanOrEqual(500);
    const ids = variants.map((v) => v.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^p-[a-z0-9-]+$/);
  });

  it('covers every family with at least 20 wordings, each rendered several times', () => {
    for (const family of FAMILIES) {
      expect(WORDINGS[family].length).toBeGreaterThanOrEqual(20);
      const mine = variants.filter((v) => v.family === family);
      const wordings = new Set(mine.map((v) => v.wordingId));
      expect(wordings.size).toBe(WORDINGS[family].length);
      for (const w of wordings) expect(mine.filter((v) => v.wordingId === w).length).toBeGreaterThanOrEqual(3);
      for (const r of REGISTERS) expect(mine.filter((v) => v.register === r).length).toBeGreaterThanOrEqual(5);
      for (const p of PLACEMENTS) expect(mine.filter((v) => v.placement === p).length).toBeGreaterThanOrEqual(5);
    }
  });

  it('has no two wordings alike within a family', () => {
    for (const family of FAMILIES) expect(new Set(WORDINGS[family]).size).toBe(WORDINGS[family].length);
  });

  it('splits each family by wording parity, both halves non-empty', () => {
    for (const family of FAMILIES) {
      const mine = variants.filter((v) => v.family === family);
      expect(mine.some((v) => v.split === 'tune')).toBe(true);
      expect(mine.some((v) => v.split === 'holdout')).toBe(true);
    }
    for (const v of variants) {
      const no = Number(v.wordingId.split('/')[1]);
      expect(v.split).toBe(no % 2 === 1 ? 'tune' : 'holdout');
    }
  });

  it('uses at least 20 real host tools from at least 12 servers', () => {
    expect(new Set(variants.map((v) => `${v.hostServer}/${v.hostTool}`)).size).toBeGreaterThanOrEqual(20);
    expect(new Set(variants.map((v) => v.hostServer)).size).toBeGreaterThanOrEqual(12);
  });

  it('gives tools that validate under ToolInfo and keep the host name', () => {
    for (const v of variants) {
      expect(ToolInfo.safeParse(v.tool).success, v.id).toBe(true);
      expect(v.tool.name).toBe(v.hostTool);
    }
  });

  it('changes the text the placement says it changes, and contains the injected text', () => {
    for (const v of variants) {
      const orig = original(v);
      expect(JSON.stringify(v.tool), v.id).not.toBe(JSON.stringify(orig));
      if (v.placement === 'parameter') {
        expect(v.parameter, v.id).toBeDefined();
        const now = paramDescription(v.tool, v.parameter!);
        expect(now, v.id).not.toBe(paramDescription(orig, v.parameter!));
        expect(String(now), v.id).toContain(v.injected);
        expect(v.tool.description, v.id).toBe(orig.description);
      } else {
        expect(v.tool.description, v.id).not.toBe(orig.description);
        expect(v.tool.description, v.id).toContain(v.injected);
      }
    }
  });

  it('leaves no unfilled slot or capitalisation marker in the injected text', () => {
    for (const v of variants) {
      expect(v.injected, v.id).not.toMatch(/\{[A-Za-z][A-Za-z0-9]*\}/);
      expect(v.injected, v.id).not.toContain('^');
      expect(v.injected, v.id).not.toContain('\u0000');
    }
  });

  it('leaves the benign input untouched', () => {
    expect(readBenignFiles()).toEqual(benign);
  });

  it('throws a clear error when a host tool is missing', () => {
    const host = HOSTS[0]!;
    const without = benign.map((f) =>
      f.source.package === host.server ? { ...f, tools: f.tools.filter((t) => t.name !== host.tool) } : f,
    );
    expect(() => generateVariants(without)).toThrow(`${host.server}/${host.tool}`);
    expect(() => generateVariants(benign.filter((f) => f.source.package !== host.server))).toThrow(/no benign file/);
  });

  it('inserts after the first sentence, or appends when there is none', () => {
    expect(afterFirstSentence('One. Two.', 'X')).toBe('One. X Two.');
    expect(afterFirstSentence('Use e.g. this. Then that.', 'X')).toBe('Use e.g. this. X Then that.');
    expect(afterFirstSentence('Title line\nMore', 'X')).toBe('Title line. X\nMore');
    expect(afterFirstSentence('\n   Lead.\n\n   Rest', 'X')).toBe('\n   Lead. X\n\n   Rest');
    expect(afterFirstSentence('Navigate to a URL', 'X')).toBe('Navigate to a URL. X');
  });
});
