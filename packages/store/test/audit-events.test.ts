import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createFileStore, type StatePort } from '../src/index.js';
import { registerAuditContract } from './audit-contract.js';
import { registerEventContract } from './event-contract.js';

const silent = pino({ level: 'silent' });
const dirs = new Map<StatePort, string>();

const harness = {
  async create(options: { now: () => Date; auditRetentionDays?: number }) {
    const dir = await mkdtemp(join(tmpdir(), 'dw-audit-'));
    const store = await createFileStore({ dir, logger: silent, maintenanceIntervalMs: 0, ...options });
    dirs.set(store, dir);
    return store;
  },
  async dispose(store: StatePort) {
    await store.close();
    await rm(dirs.get(store)!, { recursive: true, force: true });
    dirs.delete(store);
  },
};

registerAuditContract('file', harness);
registerEventContract('file', harness);
