import type { Observation } from '../schemas/snapshot.js';
import { MAX_EXPOSURES, type SecretExposure } from '../schemas/secret-exposure.js';
import type { Scrubber } from './scrubber.js';

/** Shortest limit of any string field of an observation (protocolVersion): a mask always fits. */
const MIN_FIELD_LIMIT = 64;
const MAX_LABEL = 128;
const MAX_FIELD = 1024;

class Walker {
  readonly exposures: SecretExposure[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly scrubber: Scrubber) {}

  /** Masks one server-controlled string and records what was in it (`field` is built only then). */
  text(value: string, field: string | ((masked: string) => string)): string {
    const { text, hits } = this.scrubber.mask(value);
    if (hits.length === 0) return value;
    this.record(typeof field === 'string' ? field : field(text), hits);
    return fit(text, value.length);
  }

  private record(field: string, hits: ReadonlyArray<{ source: string; encoding: SecretExposure['encoding'] }>): void {
    for (const hit of hits) {
      const exposure: SecretExposure = { field: field.slice(0, MAX_FIELD), source: hit.source.slice(0, 300), encoding: hit.encoding };
      const key = `${exposure.field}\u0000${exposure.source}\u0000${exposure.encoding}`;
      if (this.seen.has(key) || this.exposures.length >= MAX_EXPOSURES) continue;
      this.seen.add(key);
      this.exposures.push(exposure);
    }
  }

  /**
   * Walks any JSON value: string values and object keys are masked, structure and order kept.
   * `path` is a function so that the field path (string building on every node) is only made
   * for the rare node that holds a secret.
   */
  value(value: unknown, path: () => string): unknown {
    if (typeof value === 'string') return this.text(value, path);
    if (Array.isArray(value)) return value.map((item, i) => this.value(item, () => `${path()}[${this.label(item, i)}]`));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      let masked = this.text(key, (k) => `${path()}.${k.slice(0, MAX_LABEL)}`);
      // Two keys that differ only by a secret's spelling would collide; keep both, deterministically.
      while (Object.prototype.hasOwnProperty.call(out, masked)) masked = `${masked}~`;
      const child = this.value(item, () => `${path()}.${masked.slice(0, MAX_LABEL)}`);
      // defineProperty so a `__proto__` key stays an own property, as the probe received it.
      if (masked === '__proto__') Object.defineProperty(out, masked, { value: child, enumerable: true, writable: true, configurable: true });
      else out[masked] = child;
    }
    return out;
  }

  /** `tools[send_email]`, `resources[file:///x]` when the item has a uri or name (as the content rules name fields); else its index. */
  private label(item: unknown, index: number): string {
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      const o = item as Record<string, unknown>;
      const id = [o.uri, o.uriTemplate, o.name].find((v): v is string => typeof v === 'string');
      if (id !== undefined) return this.scrubber.scrub(id).slice(0, MAX_LABEL);
    }
    return String(index);
  }
}

/** A masked string may grow (a 1-character secret becomes a mask); keep it within its field's limit. */
function fit(masked: string, originalLength: number): string {
  const max = Math.max(originalLength, MIN_FIELD_LIMIT);
  return masked.length <= max ? masked : `${masked.slice(0, max - 1)}…`;
}

/**
 * Masks every configured secret (any recognised form) in everything a server said: names,
 * titles, descriptions, schemas (keys and values), annotations, `_meta`, instructions,
 * serverInfo, prompts, resources, templates, models and the conformance notes that quote them.
 * Each find is recorded in `exposures` (bounded). The mask is the same on every poll, so a
 * masked surface fingerprints the same way each time; fingerprint after masking.
 *
 * `transport` is ours except its protocol version: the URL is scrubbed (a path may hold a
 * `${VAR}` key) without counting as the server's exposure.
 */
export function maskObservation(observation: Observation, scrubber: Scrubber): Observation {
  if (scrubber.size === 0) return observation;
  const walker = new Walker(scrubber);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(observation)) {
    if (key === 'exposures') continue;
    if (key === 'transport') {
      const t = { ...observation.transport };
      if (t.url !== undefined) t.url = fit(scrubber.scrub(t.url), t.url.length);
      if (t.protocolVersion !== undefined) t.protocolVersion = walker.text(t.protocolVersion, 'transport.protocolVersion');
      out[key] = t;
      continue;
    }
    out[key] = walker.value(value, () => key);
  }
  const exposures = [...(observation.exposures ?? []), ...walker.exposures].slice(0, MAX_EXPOSURES);
  if (exposures.length > 0) out.exposures = exposures;
  return out as Observation;
}
