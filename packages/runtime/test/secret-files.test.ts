import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SECRET_FILE_BYTES, readSecretFile, secretDirsFrom } from '../src/index.js';

let root: string;
let secrets: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dw-secret-files-'));
  secrets = join(root, 'secrets');
  await mkdir(join(secrets, '..data'), { recursive: true });
  await writeFile(join(secrets, 'plain'), 'abc\r\n');
  await writeFile(join(secrets, '..data', 'token'), 'k8s-token\n\n');
  await symlink('..data/token', join(secrets, 'token'));
  await writeFile(join(root, 'outside'), 'not yours');
  await symlink(join(root, 'outside'), join(secrets, 'escape'));
  await writeFile(join(secrets, 'big'), 'x'.repeat(MAX_SECRET_FILE_BYTES + 1));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('secret files', () => {
  it('reads a file in a secret directory, one trailing newline dropped, following links that stay inside', () => {
    expect(readSecretFile(join(secrets, 'plain'), [secrets])).toEqual({ ok: true, value: 'abc' });
    expect(readSecretFile(join(secrets, 'token'), [secrets])).toEqual({ ok: true, value: 'k8s-token\n' });
  });

  it('refuses paths outside the directories, links out of them, non-files and oversized files', () => {
    expect(readSecretFile(join(root, 'outside'), [secrets])).toMatchObject({ ok: false, problem: expect.stringMatching(/outside the secret directories/) });
    expect(readSecretFile(join(secrets, 'escape'), [secrets])).toMatchObject({ ok: false, problem: expect.stringMatching(/outside/) });
    expect(readSecretFile(join(secrets, 'missing'), [secrets])).toMatchObject({ ok: false, problem: expect.stringMatching(/no such file/) });
    expect(readSecretFile(join(secrets, '..data'), [secrets])).toMatchObject({ ok: false, problem: expect.stringMatching(/not a regular file/) });
    expect(readSecretFile(join(secrets, 'big'), [secrets])).toMatchObject({ ok: false, problem: expect.stringMatching(/larger than/) });
    expect(readSecretFile(`${secrets}/../outside`, [secrets])).toMatchObject({ ok: false, problem: expect.stringMatching(/normalised/) });
  });

  it('takes its directories from DRIFTWATCH_SECRET_DIRS, absolute ones only', () => {
    expect(secretDirsFrom({})).toEqual(['/run/secrets']);
    expect(secretDirsFrom({ DRIFTWATCH_SECRET_DIRS: '/a/:relative:/b/c' })).toEqual(['/a', '/b/c']);
  });
});
