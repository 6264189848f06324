import type { Database, Statement } from 'better-sqlite3';
import { ApiKeyRecord, ToolRejection, type CatalogEntry } from '@driftwatch/core';
import { sortApiKeys } from '../api-keys.js';
import { decode } from '../codec.js';
import { CorruptValueError } from '../errors.js';
import { entryOf } from '../file/catalog.js';
import type { MetaTable } from './meta.js';

const SEEDED_KEY = 'catalog_seeded_at';

function decodeEntry(id: string, raw: string): CatalogEntry {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new CorruptValueError(`catalog:${id}`, `not JSON (${raw.length} bytes)`);
  }
  return entryOf(`catalog:${id}`, value);
}

/** Claims for idempotent side effects: expiry in wall-clock ms (claims survive a restart). */
export class ClaimTable {
  private readonly s: {
    get: Statement<[string], { expires_ms: number }>;
    put: Statement<[string, number]>;
    remove: Statement<[string]>;
    sweep: Statement<[number, number]>;
  };

  constructor(db: Database) {
    this.s = {
      get: db.prepare('SELECT expires_ms FROM claims WHERE key = ?'),
      put: db.prepare('INSERT INTO claims (key, expires_ms) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET expires_ms = excluded.expires_ms'),
      remove: db.prepare('DELETE FROM claims WHERE key = ?'),
      sweep: db.prepare('DELETE FROM claims WHERE key IN (SELECT key FROM claims WHERE expires_ms <= ? ORDER BY expires_ms LIMIT ?)'),
    };
  }

  isClaimed(key: string, nowMs: number): boolean {
    const exp = this.s.get.get(key)?.expires_ms;
    return exp !== undefined && exp > nowMs;
  }

  /** Inside a transaction: true for the first caller while the claim holds. */
  claim(key: string, ttlMs: number, nowMs: number): boolean {
    if (this.isClaimed(key, nowMs)) return false;
    this.s.put.run(key, nowMs + Math.max(1, Math.ceil(ttlMs)));
    return true;
  }

  /** Writes a claim as it is (the migration's path). */
  write(key: string, expiresMs: number): void {
    this.s.put.run(key, expiresMs);
  }

  unclaim(key: string): void {
    this.s.remove.run(key);
  }

  /** Drops up to `max` expired claims (bounded work for the maintenance timer). */
  sweep(nowMs: number, max: number): number {
    return this.s.sweep.run(nowMs, max).changes;
  }
}

/** API key records (hash only), validated on every read. */
export class ApiKeyTable {
  private readonly s: {
    get: Statement<[string], { json: string }>;
    put: Statement<[string, string]>;
    all: Statement<[], { id: string; json: string }>;
  };

  constructor(db: Database) {
    this.s = {
      get: db.prepare('SELECT json FROM api_keys WHERE id = ?'),
      put: db.prepare('INSERT INTO api_keys (id, json) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json'),
      all: db.prepare('SELECT id, json FROM api_keys'),
    };
  }

  get(id: string): ApiKeyRecord | null {
    const raw = this.s.get.get(id)?.json;
    return raw === undefined ? null : decode(`api key ${id}`, raw, ApiKeyRecord);
  }

  put(record: ApiKeyRecord): void {
    this.s.put.run(record.id, JSON.stringify(record));
  }

  list(): ApiKeyRecord[] {
    return sortApiKeys(this.s.all.all().map((r) => decode(`api key ${r.id}`, r.json, ApiKeyRecord)));
  }
}

/** The rejected version of a tool, one per (server, tool). */
export class ToolRejectionTable {
  private readonly s: {
    put: Statement<[string, string, string]>;
    remove: Statement<[string, string]>;
    ofServer: Statement<[string], { tool: string; json: string }>;
    all: Statement<[], { server_id: string; tool: string; json: string }>;
  };

  constructor(db: Database) {
    this.s = {
      put: db.prepare('INSERT INTO tool_rejections (server_id, tool, json) VALUES (?, ?, ?) ON CONFLICT (server_id, tool) DO UPDATE SET json = excluded.json'),
      remove: db.prepare('DELETE FROM tool_rejections WHERE server_id = ? AND tool = ?'),
      ofServer: db.prepare('SELECT tool, json FROM tool_rejections WHERE server_id = ?'),
      all: db.prepare('SELECT server_id, tool, json FROM tool_rejections'),
    };
  }

  put(r: ToolRejection): void {
    this.s.put.run(r.serverId, r.tool, JSON.stringify(r));
  }

  remove(serverId: string, tool: string): boolean {
    return this.s.remove.run(serverId, tool).changes > 0;
  }

  /** Sorted by server, then tool name, in JavaScript's string order (as the file store sorts). */
  list(serverId?: string): ToolRejection[] {
    const rows = serverId === undefined ? this.s.all.all() : this.s.ofServer.all(serverId).map((r) => ({ ...r, server_id: serverId }));
    rows.sort((a, b) => (a.server_id < b.server_id ? -1 : a.server_id > b.server_id ? 1 : a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0));
    return rows.map((r) => decode(`tool rejection ${r.server_id}/${r.tool}`, r.json, ToolRejection));
  }
}

/** The living catalog (entries unresolved: credential references as written) and its seed marker. */
export class CatalogTable {
  private readonly s: {
    get: Statement<[string], { json: string }>;
    exists: Statement<[string]>;
    put: Statement<[string, string]>;
    remove: Statement<[string]>;
    all: Statement<[], { id: string; json: string }>;
  };

  constructor(
    db: Database,
    private readonly meta: MetaTable,
  ) {
    this.s = {
      get: db.prepare('SELECT json FROM catalog WHERE id = ?'),
      exists: db.prepare('SELECT 1 FROM catalog WHERE id = ?'),
      put: db.prepare('INSERT INTO catalog (id, json) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json'),
      remove: db.prepare('DELETE FROM catalog WHERE id = ?'),
      all: db.prepare('SELECT id, json FROM catalog'),
    };
  }

  has(id: string): boolean {
    return this.s.exists.get(id) !== undefined;
  }

  get(id: string): CatalogEntry | null {
    const raw = this.s.get.get(id)?.json;
    return raw === undefined ? null : decodeEntry(id, raw);
  }

  /** Sorted by id in JavaScript's string order, as the other adapters list it. */
  list(): CatalogEntry[] {
    const rows = this.s.all.all();
    rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return rows.map((r) => decodeEntry(r.id, r.json));
  }

  put(entry: CatalogEntry): void {
    this.s.put.run(entry.id, JSON.stringify(entry));
  }

  remove(id: string): boolean {
    return this.s.remove.run(id).changes > 0;
  }

  seededAt(): string | null {
    return this.meta.get(SEEDED_KEY);
  }

  markSeeded(at: string): boolean {
    return this.meta.setIfAbsent(SEEDED_KEY, at);
  }
}
