import { describe, expect, it } from 'vitest';
import { fingerprintObservation } from '../../src/fingerprint.js';
import { Observation } from '../../src/schemas/snapshot.js';
import { createScrubber, maskObservation } from '../../src/secrets/index.js';
import { observation } from '../fixtures.js';

const SECRET = 'tk-9Qz';
const b64 = (v: string) => Buffer.from(v).toString('base64');
const scrubber = createScrubber([{ value: SECRET, source: 'env:API_TOKEN' }]);
const MASK = '[redacted:env:API_TOKEN]';

/** An observation with the secret in every place a server controls. */
function leaky(): Observation {
  return observation({
    transport: { kind: 'streamable-http', url: `https://h.example/mcp/${SECRET}`, protocolVersion: SECRET },
    serverInfo: { name: `srv-${SECRET}`, title: b64(SECRET), version: '1.0' },
    capabilities: { tools: {}, experimental: { [SECRET]: { note: SECRET } } },
    instructions: `Always send ${JSON.stringify(SECRET)}.`,
    tools: [
      {
        name: `get_${SECRET}`,
        title: SECRET,
        description: `Use ${SECRET}.`,
        inputSchema: { type: 'object', properties: { [SECRET]: { type: 'string', default: SECRET, enum: [b64(SECRET)] } } },
        outputSchema: { type: 'object', description: encodeURIComponent(SECRET) },
        annotations: { title: SECRET },
        _meta: { list: [SECRET, 1, true, null] },
      },
      { name: 'plain', description: 'Nothing to see.', inputSchema: { type: 'object' } },
    ],
    prompts: [{ name: 'p', description: SECRET, arguments: [{ name: SECRET, description: SECRET }] }],
    resources: [{ uri: `file:///${SECRET}`, name: SECRET, mimeType: 'text/plain' }],
    resourceTemplates: [{ uriTemplate: `file:///{x}/${SECRET}`, name: 't' }],
    models: [{ source: 'meta', name: SECRET, digest: Buffer.from(SECRET).toString('hex') }],
    conformance: [{ method: 'tools/list', message: `dropped tool "${SECRET}"` }],
  });
}

describe('maskObservation', () => {
  it('masks the secret in every string and key the server controls, and keeps the snapshot valid', () => {
    const masked = maskObservation(leaky(), scrubber);
    const text = JSON.stringify(masked);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(b64(SECRET));
    expect(Observation.safeParse(masked).success).toBe(true);
    expect(masked.tools[0]!.name).toBe(`get_${MASK}`);
    expect(Object.keys((masked.tools[0]!.inputSchema as { properties: object }).properties)).toEqual([MASK]);
    expect(masked.tools[1]).toEqual(leaky().tools[1]);
    expect(masked.transport.url).toBe(`https://h.example/mcp/${MASK}`);
    expect(masked.models[0]).toMatchObject({ source: 'meta', name: MASK, digest: MASK });
  });

  it('records each exposure by field, source and form, never the value, with field paths built from masked names', () => {
    const { exposures = [] } = maskObservation(leaky(), scrubber);
    expect(JSON.stringify(exposures)).not.toContain(SECRET);
    const fields = exposures.map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'serverInfo.name',
        'serverInfo.title',
        'instructions',
        'transport.protocolVersion',
        `tools[get_${MASK}].name`,
        `tools[get_${MASK}].description`,
        `tools[get_${MASK}].inputSchema.properties.${MASK}`,
        `tools[get_${MASK}].inputSchema.properties.${MASK}.enum[0]`,
        `tools[get_${MASK}]._meta.list[0]`,
        `prompts[p].arguments[${MASK}].name`,
        `resources[file:///${MASK}].uri`,
        `models[${MASK}].digest`,
        'conformance[0].message',
      ]),
    );
    // The transport URL is ours (a ${VAR} in its path), not the server's doing.
    expect(fields).not.toContain('transport.url');
    expect(new Set(exposures.map((e) => e.source))).toEqual(new Set(['env:API_TOKEN']));
    expect(exposures.find((e) => e.field === 'serverInfo.title')?.encoding).toBe('base64');
    expect(exposures.find((e) => e.field === 'instructions')?.encoding).toBe('raw');
  });

  it('masks the same way on every poll, so the fingerprint is stable', () => {
    const a = fingerprintObservation(maskObservation(leaky(), scrubber));
    const b = fingerprintObservation(maskObservation(leaky(), scrubber));
    expect(a).toEqual(b);
    expect(a.snapshot).not.toBe(fingerprintObservation(leaky()).snapshot);
  });

  it('keeps a short field within its limit when a 1-character secret turns into masks', () => {
    const one = createScrubber([{ value: 'x', source: 'env:ONE' }]);
    const masked = maskObservation(observation({ transport: { kind: 'stdio', protocolVersion: Array(32).fill('x').join(' ') } }), one);
    expect(masked.transport.protocolVersion!.length).toBeLessThanOrEqual(64);
    expect(masked.transport.protocolVersion).not.toMatch(/(^| )x( |$)/);
    expect(Observation.safeParse(masked).success).toBe(true);
  });

  it('keeps both keys when two differ only by the spelling of a secret', () => {
    const masked = maskObservation(observation({ capabilities: { [SECRET]: 1, [b64(SECRET)]: 2 } }), scrubber);
    expect(masked.capabilities).toEqual({ [MASK]: 1, [`${MASK}~`]: 2 });
  });

  it('keeps a __proto__ key an own property, as the server sent it', () => {
    const capabilities = JSON.parse(`{"__proto__": {"x": "${SECRET}"}, "tools": {}}`) as Record<string, unknown>;
    const masked = maskObservation(observation({ capabilities }), scrubber);
    expect(Object.prototype.hasOwnProperty.call(masked.capabilities, '__proto__')).toBe(true);
    expect(JSON.stringify(masked.capabilities)).toBe(`{"__proto__":{"x":"${MASK}"},"tools":{}}`);
  });

  it('caps the exposures it records', () => {
    const tools = Array.from({ length: 100 }, (_, i) => ({ name: `t${i}`, description: SECRET, inputSchema: { type: 'object' } }));
    expect(maskObservation(observation({ tools }), scrubber).exposures).toHaveLength(64);
  });

  it('returns the observation itself when there is nothing to mask', () => {
    const clean = observation();
    expect(maskObservation(clean, createScrubber([]))).toBe(clean);
    const masked = maskObservation(clean, scrubber);
    expect(masked).toEqual(clean);
    expect(masked.exposures).toBeUndefined();
  });
});
