import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BusPort } from '@driftwatch/bus';
import type { StatePort } from '@driftwatch/store';
import { createKey } from './key-operations.js';

export const BOOTSTRAP_KEY_NAME = 'bootstrap-admin';
export const BOOTSTRAP_ACTOR = 'system:bootstrap';
export const ADMIN_KEY_FILE = 'admin.key';
/** Held while one replica creates the key; long enough for that, short enough to retry after a crash. */
const CLAIM_KEY = 'auth:bootstrap-admin-key';
const CLAIM_TTL_MS = 5 * 60_000;

export interface BootstrapKeyOptions {
  store: StatePort;
  /** Where to keep a copy of the token (`<dataDir>/admin.key`, mode 0600). Unset: shown only. */
  dataDir?: string;
  bus?: BusPort;
  now: () => Date;
  logger: Logger;
  /** Receives the one line that shows the token (stderr in the CLI). */
  write: (line: string) => void;
}

export type BootstrapKeyResult = { created: false } | { created: true; keyId: string; file?: string };

/** Written to a fresh temp file created 0600 and renamed over, so the token is never world-readable. */
async function writeSecretFile(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * First start: when the store holds no API key at all, issue an admin key so somebody can use
 * the control plane, and show it once. Replicas starting together race for a store claim; only
 * the winner creates a key (the others find it on their next start). A store that holds any key,
 * even a revoked or expired one, is past its first start and gets nothing: an admin who revoked
 * every key did so on purpose, and a new one comes from `driftwatch keys create`.
 */
export async function ensureBootstrapAdminKey(options: BootstrapKeyOptions): Promise<BootstrapKeyResult> {
  const { store, logger } = options;
  if ((await store.listApiKeys()).length > 0) return { created: false };
  if (!(await store.claimOnce(CLAIM_KEY, CLAIM_TTL_MS))) {
    logger.info('another instance is creating the bootstrap admin key');
    return { created: false };
  }
  try {
    // Re-check under the claim: a replica may have finished between our list and our claim.
    if ((await store.listApiKeys()).length > 0) return { created: false };
    const deps = { store, now: options.now, logger, ...(options.bus ? { bus: options.bus } : {}) };
    const { token, key } = await createKey(deps, { name: BOOTSTRAP_KEY_NAME, scope: 'admin', owner: 'bootstrap', expires: '90d' }, BOOTSTRAP_ACTOR);
    let file: string | undefined;
    if (options.dataDir !== undefined) {
      file = join(options.dataDir, ADMIN_KEY_FILE);
      try {
        await writeSecretFile(file, `${token}\n`);
      } catch (err) {
        logger.error({ file, err: (err as Error).message }, 'could not write the bootstrap admin key file; the key is shown below only');
        file = undefined;
      }
    }
    const where = file ? `also stored in ${file} (mode 0600)` : 'not stored anywhere else: copy it now';
    options.write(
      `driftwatch: created admin API key ${key.id} (expires ${key.expiresAt}): ${token} — ${where}; use it as "Authorization: Bearer <key>", and create narrower keys with "driftwatch keys create"\n`,
    );
    return { created: true, keyId: key.id, ...(file ? { file } : {}) };
  } catch (err) {
    await store.unclaim(CLAIM_KEY).catch(() => undefined);
    throw err;
  }
}
