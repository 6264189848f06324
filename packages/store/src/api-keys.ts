import { ApiKeyRecord } from '@driftwatch/core';
import { validate } from './codec.js';

/*
 * What both adapters share about API key records: validation on the way in (a record that would
 * not validate on the way back out would be lost on replay, or refused on every request) and
 * the one listing order.
 */

/** Throws CorruptValueError (naming the key) for a record that does not match the schema. */
export function checkApiKeyRecord(record: ApiKeyRecord): ApiKeyRecord {
  return validate(`api key ${String((record as { id?: unknown })?.id)}`, record, ApiKeyRecord);
}

/** Oldest first, ties broken by id, so every adapter lists keys in the same order. */
export function sortApiKeys(records: ApiKeyRecord[]): ApiKeyRecord[] {
  return records.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The record revoked now, or unchanged when it already was (the first revocation stands). */
export function withRevocation(record: ApiKeyRecord, revokedAt: string, revokedBy: string): ApiKeyRecord {
  return record.revokedAt !== undefined ? record : { ...record, revokedAt, revokedBy };
}

export { ApiKeyRecord };
