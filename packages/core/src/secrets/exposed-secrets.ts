import type { SecretEncoding, SecretExposure } from '../schemas/secret-exposure.js';

/** Fields listed per exposed secret in an alert or report; the count says how many there were. */
const MAX_FIELDS_SHOWN = 16;

export interface ExposedSecret {
  /** Where the secret was configured (`env:NAME`, `header:NAME`, `url:password` …). */
  source: string;
  fields: string[];
  /** How many distinct fields carried it (fields is capped). */
  fieldCount: number;
  encodings: SecretEncoding[];
}

/** One entry per configured secret a server exposed, sorted by source (stable across polls). */
export function groupExposures(exposures: readonly SecretExposure[]): ExposedSecret[] {
  const by = new Map<string, { fields: Set<string>; encodings: Set<SecretEncoding> }>();
  for (const e of exposures) {
    const entry = by.get(e.source) ?? { fields: new Set(), encodings: new Set() };
    entry.fields.add(e.field);
    entry.encodings.add(e.encoding);
    by.set(e.source, entry);
  }
  return [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([source, { fields, encodings }]) => ({
      source,
      fields: [...fields].sort().slice(0, MAX_FIELDS_SHOWN),
      fieldCount: fields.size,
      encodings: [...encodings].sort(),
    }));
}

/** The one line a pager shows: names the configured secret, never its value. */
export function exposureSummary(e: ExposedSecret): string {
  const where = e.fieldCount === 1 ? e.fields[0] : `${e.fieldCount} fields`;
  return `server text carries the configured secret ${e.source} (${where}; ${e.encodings.join(', ')})`;
}
