import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { link, readFile, realpath, unlink, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { StoreLockedError } from '../errors.js';

/** Directories this process holds: a second store on the same dir in one process is refused too. */
const heldHere = new Set<string>();

interface LockContent {
  pid: number;
  token: string;
  host: string;
  at: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<LockContent | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number' && typeof parsed.token === 'string' ? (parsed as LockContent) : null;
  } catch {
    return null;
  }
}

/**
 * One process per data directory: a LOCK file holding our pid. It is created with link(2) from a
 * fully written temp file, so nobody ever sees a half-written lock. A lock whose pid is dead —
 * or is our own pid but not held by this process (a container restarted as pid 1) — is stale
 * and taken over. Returns the release function.
 */
export async function acquireDirLock(dir: string, log: Logger): Promise<() => Promise<void>> {
  const real = await realpath(dir);
  if (heldHere.has(real)) throw new StoreLockedError(dir, process.pid);
  const lockPath = join(dir, 'LOCK');
  const mine: LockContent = { pid: process.pid, token: randomUUID(), host: hostname(), at: new Date().toISOString() };
  const tmp = join(dir, `LOCK.${mine.token}.tmp`);
  await writeFile(tmp, JSON.stringify(mine), { flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(tmp, lockPath);
        heldHere.add(real);
        return async () => {
          heldHere.delete(real);
          const now = await readLock(lockPath);
          if (now?.token === mine.token) await unlink(lockPath).catch(() => undefined);
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const other = await readLock(lockPath);
      // The host is informational only: a pod recreated on the same volume has a new hostname.
      if (other && other.pid !== process.pid && isAlive(other.pid)) {
        throw new StoreLockedError(dir, other.pid);
      }
      log.warn({ dir, stalePid: other?.pid ?? null }, 'taking over a stale data directory lock');
      await unlink(lockPath).catch(() => undefined);
    }
    throw new StoreLockedError(dir, null);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
