import type { Observation, ToolInfo } from '../../src/schemas/snapshot.js';

/** A realistic observation touching every part of the surface. Fresh copy on every call. */
export function baseObservation(): Observation {
  return {
    transport: { kind: 'streamable-http', url: 'https://mcp.example.com/mcp', tlsCertFingerprint: 'aa'.repeat(32), protocolVersion: '2025-06-18' },
    serverInfo: { name: 'mail-server', title: 'Mail', version: '1.4.0' },
    capabilities: { tools: { listChanged: false }, prompts: {}, resources: { subscribe: true } },
    instructions: 'Use send_email to send mail on behalf of the user.',
    tools: [
      {
        name: 'send_email',
        title: 'Send email',
        description: 'Send an email to a recipient.',
        inputSchema: {
          type: 'object',
          properties: {
            to: { type: 'string', format: 'email', description: 'Recipient address' },
            subject: { type: 'string', maxLength: 200 },
            priority: { type: 'string', enum: ['low', 'normal', 'high'] },
            attachments: { type: 'array', items: { type: 'object', properties: { path: { type: 'string', pattern: '^/srv/outbox/' } }, additionalProperties: false }, maxItems: 5 },
            retries: { type: 'integer', minimum: 0, maximum: 3 },
          },
          required: ['to', 'subject'],
          additionalProperties: false,
        },
        outputSchema: { type: 'object', properties: { id: { type: 'string' } } },
        annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
      },
      {
        name: 'list_inbox',
        description: 'List messages in the inbox.',
        inputSchema: { type: 'object', properties: { limit: { type: 'integer' } } },
        annotations: { readOnlyHint: true, openWorldHint: false, title: 'Inbox' },
        _meta: { 'example.com/owner': 'mail-team' },
      },
      { name: 'ping', inputSchema: { type: 'object' } },
    ],
    prompts: [
      { name: 'summarize', description: 'Summarize a thread', arguments: [{ name: 'thread', required: true }] },
      { name: 'draft', description: 'Draft a reply' },
    ],
    resources: [
      { uri: 'mail://inbox', name: 'inbox', mimeType: 'application/json' },
      { uri: 'mail://sent', name: 'sent', description: 'Sent mail' },
    ],
    resourceTemplates: [{ uriTemplate: 'mail://message/{id}', name: 'message' }],
    models: [
      { source: 'ollama', name: 'llama3:8b', digest: 'sha256:1111' },
      { source: 'openai', name: 'gpt-4o-mini' },
      { source: 'serverInfo', name: 'mail-server', version: '1.4.0' },
    ],
    conformance: [],
  };
}

export function tool(obs: Observation, name: string): ToolInfo {
  const t = obs.tools.find((x) => x.name === name);
  if (!t) throw new Error(`no tool ${name}`);
  return t;
}

/** Deterministic PRNG (mulberry32) so a failing shuffle can be replayed from its seed. */
export { mulberry32 as rng } from '../../../../test/support/prng.js';

export function shuffle<T>(list: readonly T[], r: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Same JSON value with every object's keys inserted in a random order (arrays untouched). */
export function shuffleKeys<T>(value: T, r: () => number): T {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, r)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of shuffle(Object.keys(value), r)) out[k] = shuffleKeys((value as Record<string, unknown>)[k], r);
    return out as T;
  }
  return value;
}

const DEFAULTS: Record<string, boolean> = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };

/** Randomly state or omit annotations that equal the spec default — must never matter. */
export function toggleDefaultAnnotations(t: ToolInfo, r: () => number): ToolInfo {
  const ann: Record<string, unknown> = { ...(t.annotations ?? {}) };
  for (const [k, d] of Object.entries(DEFAULTS)) {
    if (ann[k] === undefined && r() < 0.5) ann[k] = d;
    else if (ann[k] === d && r() < 0.5) delete ann[k];
  }
  const copy: ToolInfo = { ...t };
  if (Object.keys(ann).length === 0 && r() < 0.5) delete copy.annotations;
  else copy.annotations = ann;
  return copy;
}

/**
 * The same surface as the probe could see it on another poll: lists in another order (which is
 * also what a different pagination looks like), keys in another order, defaults stated or not,
 * volatile conformance notes different.
 */
export function equivalentObservation(obs: Observation, r: () => number): Observation {
  const o = structuredClone(obs);
  o.tools = shuffle(o.tools, r).map((t) => toggleDefaultAnnotations(t, r));
  o.prompts = shuffle(o.prompts, r);
  o.resources = shuffle(o.resources, r);
  o.resourceTemplates = shuffle(o.resourceTemplates, r);
  o.models = shuffle(o.models, r);
  o.conformance = r() < 0.5 ? [] : [{ method: 'tools/list', message: `note ${Math.floor(r() * 1000)}` }];
  return shuffleKeys(o, r);
}
