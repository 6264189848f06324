import type { Fingerprints, Observation, ToolFingerprints, ToolInfo, Unverifiable } from './schemas/snapshot.js';
import { canonicalJson, fingerprintJson, sha256Hex } from './canonical.js';

/** The MCP spec's defaults for tool annotations: a tool that says nothing is assumed risky. */
export const ANNOTATION_DEFAULTS = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
} as const;

/** Define an own property even for keys such as `__proto__`, which plain assignment would eat. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Annotations with the spec defaults filled in, so that leaving a hint out and stating its
 * default are the same thing. `title` and unknown keys are kept as they are.
 */
export function normalizeAnnotations(a: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(a ?? {})) {
    if (value !== undefined) setOwn(out, key, value);
  }
  for (const [key, fallback] of Object.entries(ANNOTATION_DEFAULTS)) {
    if (out[key] === undefined || out[key] === null) setOwn(out, key, fallback);
  }
  return out;
}

/** The text a model reads as the tool's description: description and title together. */
export function descriptionFacet(tool: Pick<ToolInfo, 'description' | 'title'>): unknown {
  return { description: tool.description ?? null, title: tool.title ?? null };
}

export function fingerprintTool(tool: ToolInfo): ToolFingerprints {
  const description = fingerprintJson(descriptionFacet(tool));
  const inputSchema = fingerprintJson(tool.inputSchema);
  const outputSchema = fingerprintJson(tool.outputSchema ?? null);
  const annotations = fingerprintJson(normalizeAnnotations(tool.annotations));
  const whole = fingerprintJson({
    name: tool.name,
    description,
    inputSchema,
    outputSchema,
    annotations,
    _meta: tool._meta ?? null,
  });
  return { tool: whole, description, inputSchema, outputSchema, annotations };
}

/** A tool's content without its name: two tools with the same key differ only by name. */
export function toolContentKey(fp: ToolFingerprints): string {
  return sha256Hex(`${fp.description}|${fp.inputSchema}|${fp.outputSchema}|${fp.annotations}`);
}

/** Sort a list by a key; ties (duplicates from a misbehaving server) by canonical form. */
export function sortForFingerprint<T>(items: readonly T[], key: (item: T) => string): T[] {
  const decorated = items.map((item) => ({ item, key: key(item), canon: canonicalJson(item) }));
  decorated.sort((a, b) => compareStrings(a.key, b.key) || compareStrings(a.canon, b.canon));
  return decorated.map((d) => d.item);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The server part of the surface. Volatile facts (timings, conformance messages, poll ids) and
 * the transport kind (a property of our config, not of the server) are left out on purpose.
 */
export function serverSurface(obs: Observation): unknown {
  return {
    serverInfo: { name: obs.serverInfo.name, title: obs.serverInfo.title ?? null, version: obs.serverInfo.version },
    instructions: obs.instructions ?? null,
    capabilities: obs.capabilities,
    protocolVersion: obs.transport.protocolVersion ?? null,
    transport: { url: obs.transport.url ?? null, tlsCertFingerprint: obs.transport.tlsCertFingerprint ?? null },
    prompts: sortForFingerprint(obs.prompts, (p) => p.name),
    resources: sortForFingerprint(obs.resources, (r) => r.uri),
    resourceTemplates: sortForFingerprint(obs.resourceTemplates, (t) => t.uriTemplate),
    models: sortForFingerprint(obs.models, (m) => `${m.source}:${m.name}`),
  };
}

/** What the probe could not keep, order-free: the digests stand in for the dropped content. */
export function unverifiableSurface(list: readonly Unverifiable[]): unknown {
  return sortForFingerprint(
    list.map((u) => ({ list: u.list, subject: u.subject, reason: u.reason, digest: u.digest })),
    (u) => `${u.list}|${u.subject}|${u.reason}`,
  );
}

const FACETS = ['tool', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;

/**
 * Fingerprints of an observation. Tool order, pagination and object key order never change
 * them; neither does leaving out an annotation that equals its default.
 */
export function fingerprintObservation(obs: Observation): Fingerprints {
  const byName = new Map<string, ToolFingerprints[]>();
  for (const tool of obs.tools) {
    const list = byName.get(tool.name) ?? [];
    list.push(fingerprintTool(tool));
    byName.set(tool.name, list);
  }
  const names = [...byName.keys()].sort(compareStrings);
  const tools: Record<string, ToolFingerprints> = {};
  for (const name of names) setOwn(tools, name, mergeDuplicates(byName.get(name) ?? []));
  const server = fingerprintJson(serverSurface(obs));
  const surface: Record<string, unknown> = { server, tools: names.map((n) => [n, tools[n]?.tool ?? '']) };
  // Only when present, so snapshots of servers that sent nothing unkeepable keep the
  // fingerprints they had before this field existed (no re-baselining on upgrade).
  if (obs.unverifiable?.length) surface.unverifiable = unverifiableSurface(obs.unverifiable);
  const snapshot = fingerprintJson(surface);
  return { snapshot, server, tools };
}

/**
 * A server that lists two tools with one name still gets one entry per name; each facet then
 * covers every definition (order-free), so a change to any of them shows.
 */
function mergeDuplicates(list: ToolFingerprints[]): ToolFingerprints {
  const [only] = list;
  if (list.length === 1 && only) return only;
  const merged = {} as ToolFingerprints;
  for (const facet of FACETS) merged[facet] = fingerprintJson(list.map((fp) => fp[facet]).sort(compareStrings));
  return merged;
}
