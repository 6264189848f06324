import { LIMITS, measureJson, type UnverifiableReason } from '@driftwatch/core';
import { truncateText } from './conformance.js';
import { digestOf } from './unverifiable.js';
import type { UnverifiableLedger } from './unverifiable.js';

/** The list an item belongs to, as recorded in `Unverifiable.list`. */
export type ListName = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

/** Replaces a facet the probe could not keep; the ledger entry carries the hash of the original. */
export const UNVERIFIABLE_MARKER = 'x-driftwatch-unverifiable';

const TEXT_FIELDS = ['title', 'description'] as const;
/** Object-valued facets, checked against the depth and size bounds (inputSchema is required for tools). */
const FACETS = ['inputSchema', 'outputSchema', 'annotations', '_meta'] as const;

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Brings one raw list item within the bounds of our schemas without losing sight of anything:
 * over-long texts are cut, facets too deep or too large (or a missing/invalid input schema) are
 * replaced by a marker, and each of these is recorded with the hash of what was cut. The item is
 * kept, so its other text still reaches the content rules. Returns a shallow copy.
 */
export function boundItem(item: Record<string, unknown>, list: ListName, subject: string, ledger: UnverifiableLedger): Record<string, unknown> {
  const out: Record<string, unknown> = { ...item };
  for (const field of TEXT_FIELDS) {
    const v = out[field];
    if (typeof v === 'string' && v.length > LIMITS.maxSurfaceTextLength) {
      out[field] = truncateText(v, LIMITS.maxSurfaceTextLength);
      ledger.add({ list, subject, reason: 'text_too_long', detail: `${field} of ${v.length} characters cut to ${LIMITS.maxSurfaceTextLength}`, digest: digestOf(v) });
    }
  }
  if (Array.isArray(out.arguments)) {
    out.arguments = out.arguments.map((a: unknown, i: number) => {
      if (!isObject(a) || typeof a.description !== 'string' || a.description.length <= LIMITS.maxSurfaceTextLength) return a;
      ledger.add({ list, subject, reason: 'text_too_long', detail: `argument #${i + 1} description of ${a.description.length} characters cut`, digest: digestOf(a.description) });
      return { ...a, description: truncateText(a.description, LIMITS.maxSurfaceTextLength) };
    });
  }
  let budget = LIMITS.maxNodesPerItem;
  for (const facet of FACETS) {
    const present = Object.prototype.hasOwnProperty.call(out, facet) && out[facet] !== undefined;
    if (!present) {
      if (facet === 'inputSchema' && list === 'tools') {
        out[facet] = { [UNVERIFIABLE_MARKER]: 'schema_missing' };
        ledger.add({ list, subject, reason: 'schema_missing', detail: 'the tool has no inputSchema', digest: digestOf(null) });
      }
      continue;
    }
    const value = out[facet];
    const reason = facetProblem(value, budget);
    if (reason === undefined) {
      budget -= measureJson(value, { maxDepth: LIMITS.maxJsonDepth, maxNodes: budget, maxString: LIMITS.maxSurfaceTextLength }).nodes;
      continue;
    }
    out[facet] = { [UNVERIFIABLE_MARKER]: reason.reason };
    ledger.add({ list, subject, reason: reason.reason, detail: `${facet}: ${reason.detail}`, digest: digestOf(value) });
  }
  return out;
}

function facetProblem(value: unknown, budget: number): { reason: UnverifiableReason; detail: string } | undefined {
  if (!isObject(value)) return { reason: 'schema_invalid', detail: `is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not an object` };
  const m = measureJson(value, { maxDepth: LIMITS.maxJsonDepth, maxNodes: budget, maxString: LIMITS.maxSurfaceTextLength });
  if (!m.over) return undefined;
  if (m.depth > LIMITS.maxJsonDepth) return { reason: 'schema_too_deep', detail: `nested deeper than ${LIMITS.maxJsonDepth} levels` };
  if (m.longestString > LIMITS.maxSurfaceTextLength) return { reason: 'text_too_long', detail: `holds a string longer than ${LIMITS.maxSurfaceTextLength} characters` };
  return { reason: 'schema_too_large', detail: `more than ${LIMITS.maxNodesPerItem} JSON nodes in this item` };
}
