import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import { secretPathProblem } from '@driftwatch/core';

/** A secret file is a token or a key, not a data set. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** Where `${file:...}` may read when DRIFTWATCH_SECRET_DIRS does not say: where Docker mounts secrets. */
export const DEFAULT_SECRET_DIRS: readonly string[] = ['/run/secrets'];

/**
 * The directories `${file:...}` references may read from: DRIFTWATCH_SECRET_DIRS (absolute paths
 * separated by `:`), else /run/secrets. A bound, because a catalog entry added through the API
 * names the file the poller reads and then sends to the server's URL: without it an admin could
 * have the poller ship any file it can read (its own keys, /etc/…) to an endpoint of their choice.
 */
export function secretDirsFrom(env: NodeJS.ProcessEnv): string[] {
  const raw = env.DRIFTWATCH_SECRET_DIRS?.trim();
  if (!raw) return [...DEFAULT_SECRET_DIRS];
  return raw
    .split(':')
    .map((d) => d.trim())
    .filter((d) => d !== '' && isAbsolute(d))
    .map((d) => normalize(d).replace(/\/+$/, '') || '/');
}

export type SecretFileResult = { ok: true; value: string } | { ok: false; problem: string };

function inside(path: string, dir: string): boolean {
  return dir === '/' || path.startsWith(`${dir}/`);
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Reads one secret file: absolute, normalised, inside one of `dirs` (also once symlinks are
 * followed: Kubernetes mounts secrets as links inside the mount), a regular file of at most
 * MAX_SECRET_FILE_BYTES. One trailing newline is dropped (editors and `echo` add it; it would be
 * refused as a line break in a header). Problems name the path, never the content.
 */
export function readSecretFile(path: string, dirs: readonly string[]): SecretFileResult {
  const problem = secretPathProblem(path);
  if (problem) return { ok: false, problem };
  const real = realOrSelf(path);
  const allowed = dirs.some((dir) => inside(path, dir) && inside(real, realOrSelf(dir)));
  if (!allowed) {
    return { ok: false, problem: `secret file ${path} is outside the secret directories (${dirs.join(':') || 'none'}; set DRIFTWATCH_SECRET_DIRS)` };
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return { ok: false, problem: `secret file ${path} cannot be read: ${reasonOf(err)}` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, problem: `secret file ${path} is not a regular file` };
    if (stat.size > MAX_SECRET_FILE_BYTES) return { ok: false, problem: `secret file ${path} is larger than ${MAX_SECRET_FILE_BYTES} bytes` };
    const buffer = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, length);
      if (n === 0) break;
      length += n;
    }
    if (length > MAX_SECRET_FILE_BYTES) return { ok: false, problem: `secret file ${path} is larger than ${MAX_SECRET_FILE_BYTES} bytes` };
    return { ok: true, value: buffer.subarray(0, length).toString('utf8').replace(/\r?\n$/, '') };
  } catch (err) {
    return { ok: false, problem: `secret file ${path} cannot be read: ${reasonOf(err)}` };
  } finally {
    closeSync(fd);
  }
}

function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return code ?? 'error';
}
