/**
 * Remembers which tokens passed a scrypt check, so a client calling many times a second costs one
 * scrypt per TTL rather than one per request. Keyed by the token's SHA-256 (never the token).
 *
 * It caches only "this token matches that hash", never the decision: the authenticator re-reads
 * the key record from the store on every request and checks revocation and expiry there, and an
 * entry counts only while the record still carries the hash it was verified against. So nothing
 * here can outlive a revocation. Bounded (least recently used goes first) so a flood of valid
 * tokens cannot grow it without limit.
 */
export interface VerifyCache {
  /** True when `digest` was verified against `hash` within the TTL. */
  has(digest: string, keyId: string, hash: string, nowMs: number): boolean;
  add(digest: string, keyId: string, hash: string, nowMs: number): void;
  delete(digest: string): void;
  clear(): void;
  readonly size: number;
}

interface Entry {
  keyId: string;
  hash: string;
  until: number;
}

export function createVerifyCache(options: { maxEntries: number; ttlMs: number }): VerifyCache {
  if (!Number.isInteger(options.maxEntries) || options.maxEntries < 0) throw new RangeError(`maxEntries must be a whole number ≥ 0 (got ${options.maxEntries})`);
  if (!(options.ttlMs >= 0)) throw new RangeError(`ttlMs must be ≥ 0 (got ${options.ttlMs})`);
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recent.
  const entries = new Map<string, Entry>();
  return {
    has(digest, keyId, hash, nowMs) {
      const e = entries.get(digest);
      if (!e) return false;
      if (e.until <= nowMs || e.keyId !== keyId || e.hash !== hash) {
        entries.delete(digest);
        return false;
      }
      entries.delete(digest);
      entries.set(digest, e);
      return true;
    },
    add(digest, keyId, hash, nowMs) {
      if (options.maxEntries === 0) return;
      entries.delete(digest);
      entries.set(digest, { keyId, hash, until: nowMs + options.ttlMs });
      while (entries.size > options.maxEntries) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
      }
    },
    delete(digest) {
      entries.delete(digest);
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
