import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/commands/common.js';
import { MAX_IMPORT_BYTES, MAX_IMPORT_DEPTH, parseJsonc, readImportFile } from '../../src/import/read-input.js';
import { tempDir } from '../helpers.js';

const tmp = tempDir('import-read');
afterAll(() => tmp.cleanup());

async function refusal(file: string): Promise<string> {
  const err = await readImportFile(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  expect((err as CliError).exitCode).toBe(2);
  return (err as CliError).message;
}

describe('readImportFile', () => {
  it('reads JSONC: comments, trailing commas and a byte-order mark', async () => {
    const file = tmp.write('c.json', '\ufeff// servers\n{ /* block */ "servers": { "a": { "command": "x", "args": ["1",], }, }, }\n');
    expect(await readImportFile(file)).toEqual({ servers: { a: { command: 'x', args: ['1'] } } });
  });

  it('keeps a "__proto__" key as an ordinary key', () => {
    const doc = parseJsonc('{"__proto__": {"mcpServers": {}}, "x": 1}', 'f.json') as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['__proto__', 'x']);
    expect((doc as { mcpServers?: unknown }).mcpServers).toBeUndefined();
  });

  it('names the file, line and column of a syntax error, never the text there', async () => {
    const file = tmp.write('bad.json', '{\n  "mcpServers": {\n    "a": { "env": { "TOKEN": ghp_notquoted123456789 } }\n  }\n}\n');
    const message = await refusal(file);
    expect(message).toMatch(/bad\.json is not valid JSON: \w+ at line 3, column \d+$/);
    expect(message).not.toContain('ghp_notquoted');
    expect(message.split('\n')).toHaveLength(1);
  });

  it('refuses a file over the size limit before reading it', async () => {
    const file = join(tmp.dir, 'big.json');
    writeFileSync(file, `{"x": "${'a'.repeat(MAX_IMPORT_BYTES)}"}`);
    expect(await refusal(file)).toBe(`${file} is ${MAX_IMPORT_BYTES + 9} bytes; the limit is ${MAX_IMPORT_BYTES}`);
  });

  it('refuses nesting past the limit (the parser recurses), ignoring brackets in strings and comments', async () => {
    const ok = tmp.write('ok.json', `{"s": "${'['.repeat(200)}", // ${'{'.repeat(200)}\n "a": ${'['.repeat(MAX_IMPORT_DEPTH - 1)}${']'.repeat(MAX_IMPORT_DEPTH - 1)}}`);
    await expect(readImportFile(ok)).resolves.toBeDefined();
    const deep = tmp.write('deep.json', '['.repeat(100_000));
    expect(await refusal(deep)).toMatch(/deep\.json: nested deeper than 64 levels at line 1, column 65; refusing to parse it/);
  });

  it('says what is wrong with a missing file, a directory and an empty file', async () => {
    expect(await refusal(join(tmp.dir, 'nope.json'))).toBe(`cannot read ${join(tmp.dir, 'nope.json')}: no such file`);
    expect(await refusal(tmp.dir)).toBe(`cannot read ${tmp.dir}: not a regular file`);
    expect(await refusal(tmp.write('empty.json', '  '))).toMatch(/empty\.json is not valid JSON: ValueExpected at line 1, column 3$/);
  });
});
