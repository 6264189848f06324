import type { ModelVersion, ServerConfig } from '@driftwatch/core';
import { z } from 'zod';
import { boundedFetch } from './bounded-fetch.js';
import { networkCode, summarizeIssues } from './classify.js';
import type { Conformance } from './conformance.js';
import type { Egress } from './egress.js';
import { excerpt } from './failure.js';

const MAX_MODELS = 256;
/** Model lists are small; a few MiB is already generous. */
const MAX_MODEL_LIST_BYTES = 2 * 1024 * 1024;

const Str = z.string().min(1).max(512);
const OpenAiModels = z.object({ data: z.array(z.looseObject({ id: Str })).max(10_000) });
const OllamaTags = z.object({
  models: z.array(z.looseObject({ name: Str, digest: z.string().max(512).optional() })).max(10_000),
});

/** `https://host` → `https://host/v1/models`; `https://host/v1` → `https://host/v1/models`. */
export function openAiModelsUrl(base: string): URL {
  const u = new URL(base);
  const path = u.pathname.replace(/\/+$/, '');
  u.pathname = /\/v1$/.test(path) ? `${path}/models` : `${path}/v1/models`;
  return u;
}

export function ollamaTagsUrl(base: string): URL {
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/tags`;
  return u;
}

async function getJson(url: URL, signal: AbortSignal, label: string, egress: Egress): Promise<unknown> {
  const f = boundedFetch({
    signal,
    dispatcherFor: (u, fresh) => egress.dispatcherFor(u, fresh),
    maxBytes: MAX_MODEL_LIST_BYTES,
    // A redirect (like an SSRF refusal) fails the whole probe, not just this endpoint.
    onRedirect: (message) => egress.fail('redirect', `${label}: ${message}`),
  });
  let res: Response;
  try {
    res = await f(url, { method: 'GET', headers: { accept: 'application/json' } });
  } catch (e) {
    const code = networkCode(e);
    throw new Error(`${label} unreachable: ${code ?? excerpt((e as Error).message ?? String(e), 120)}`);
  }
  if (!res.ok) {
    void res.body?.cancel().catch(() => undefined);
    throw new Error(`${label} answered HTTP ${res.status}`);
  }
  try {
    return JSON.parse(await res.text()) as unknown;
  } catch (e) {
    throw new Error(`${label} did not return JSON: ${excerpt((e as Error).message, 120)}`);
  }
}

/**
 * Model versions from the endpoints configured for a server. Failures here are conformance
 * problems (method `models/openai`, `models/ollama`): the MCP surface was still observed.
 */
export async function probeModelEndpoints(
  models: ServerConfig['models'],
  signal: AbortSignal,
  conformance: Conformance,
  egress: Egress,
): Promise<ModelVersion[]> {
  const found: ModelVersion[] = [];
  const jobs: Array<Promise<void>> = [];
  if (models?.openai) {
    const base = models.openai;
    jobs.push(
      (async () => {
        const body = OpenAiModels.safeParse(await getJson(openAiModelsUrl(base), signal, 'OpenAI-compatible /v1/models', egress));
        if (!body.success) throw new Error(`/v1/models answer not understood: ${summarizeIssues(body.error.issues)}`);
        for (const m of body.data.data) found.push({ source: 'openai', name: m.id });
      })().catch((e: Error) => conformance.add('models/openai', e.message)),
    );
  }
  if (models?.ollama) {
    const base = models.ollama;
    jobs.push(
      (async () => {
        const body = OllamaTags.safeParse(await getJson(ollamaTagsUrl(base), signal, 'Ollama /api/tags', egress));
        if (!body.success) throw new Error(`/api/tags answer not understood: ${summarizeIssues(body.error.issues)}`);
        for (const m of body.data.models) {
          found.push(m.digest ? { source: 'ollama', name: m.name, digest: m.digest } : { source: 'ollama', name: m.name });
        }
      })().catch((e: Error) => conformance.add('models/ollama', e.message)),
    );
  }
  await Promise.all(jobs);
  return found;
}

/** `_meta` keys we read model hints from. */
export const MODEL_META_KEYS = ['io.modelcontextprotocol/model', 'model'] as const;

const MetaModel = z.union([
  Str.transform((name) => ({ name })),
  z.looseObject({ name: Str, digest: z.string().max(512).optional(), version: z.string().max(512).optional() }),
]);

/**
 * Model hints a server volunteers in `_meta` (of the initialize result, of serverInfo or of a
 * tool): a string (the model name), an object `{name, digest?, version?}`, or an array of those.
 */
export function modelsFromMeta(metas: Array<unknown>): ModelVersion[] {
  const out: ModelVersion[] = [];
  for (const meta of metas) {
    if (!meta || typeof meta !== 'object' || Array.isArray(meta)) continue;
    for (const key of MODEL_META_KEYS) {
      const value = (meta as Record<string, unknown>)[key];
      if (value === undefined) continue;
      const entries = Array.isArray(value) ? value.slice(0, 16) : [value];
      for (const entry of entries) {
        const parsed = MetaModel.safeParse(entry);
        if (!parsed.success) continue;
        const m: ModelVersion = { source: 'meta', name: parsed.data.name };
        if ('digest' in parsed.data && parsed.data.digest) m.digest = parsed.data.digest;
        if ('version' in parsed.data && parsed.data.version) m.version = parsed.data.version;
        out.push(m);
      }
    }
  }
  return out;
}

/** Dedupes (same source, name, digest, version) and sorts so order never looks like drift. */
export function normalizeModels(models: ModelVersion[], conformance: Conformance): ModelVersion[] {
  const seen = new Map<string, ModelVersion>();
  for (const m of models) seen.set(JSON.stringify([m.source, m.name, m.digest ?? '', m.version ?? '']), m);
  const sorted = [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, m]) => m);
  if (sorted.length > MAX_MODELS) {
    conformance.add('models', `${sorted.length} models reported; kept the first ${MAX_MODELS}`);
    return sorted.slice(0, MAX_MODELS);
  }
  return sorted;
}
