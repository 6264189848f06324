import {
  BoundedObject,
  LIMITS,
  measureJson,
  Observation,
  type ModelVersion,
  type ProbeTimings,
  type PromptInfo,
  type ResourceInfo,
  type ResourceTemplateInfo,
  type ToolInfo,
  type ServerConfig,
  type ServerInfo,
  type TransportFacts,
} from '@driftwatch/core';
import { z } from 'zod';
import { classify, summarizeIssues } from './classify.js';
import { Conformance, truncateText } from './conformance.js';
import { digestOf, UnverifiableLedger } from './unverifiable.js';
import { connectHttp, connectStdio } from './connect.js';
import { connectKept } from './connect-kept.js';
import { MAX_UNSOLICITED, ProbeContext } from './context.js';
import { sharedConnectionPool } from './connection-pool.js';
import { createEgress, type Egress } from './egress.js';
import { excerpt, ProbeError, type Failure } from './failure.js';
import { RESOURCE_TEMPLATES, RESOURCES, PROMPTS, TOOLS, listAll } from './lists.js';
import { modelsFromMeta, normalizeModels, probeModelEndpoints } from './models.js';
import { maskFinished, scrubberFor, scrubFacts } from './secrets.js';
import { peerCertificateSha256 } from './tls-fingerprint.js';
import { DEFAULT_MAX_RESPONSE_BYTES, type ProbeOptions, type ProbeResult } from './types.js';

/** Time allowed after the deadline for closing transports and killing processes. */
const CLEANUP_BOUND_MS = 900;

/** A list whose items are already checked: only its length is. */
const admitted = <T>() => z.array(z.custom<T>()).max(LIMITS.maxItemsPerList);
/**
 * Observation's bounds for what observe() assembles. Every list item was parsed by the very
 * schema Observation uses for it (ToolInfo …) when listAll admitted it, and is kept as that parse
 * returned it: parsing each again here doubled the schema work of a poll.
 */
const AdmittedObservation = Observation.extend({
  tools: admitted<ToolInfo>(),
  prompts: admitted<PromptInfo>(),
  resources: admitted<ResourceInfo>(),
  resourceTemplates: admitted<ResourceTemplateInfo>(),
});

/** The URL as recorded in snapshots: no credentials, no query (it may carry a key). */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/**
 * Probes one MCP server: connect, initialize, list everything its capabilities advertise, read
 * the configured model endpoints. Never throws; settles within `timeoutMs` plus ~1 s of cleanup;
 * always kills the stdio server's process group before it settles.
 */
export async function probeServer(server: ServerConfig, options: ProbeOptions): Promise<ProbeResult> {
  const log = options.logger?.child({ serverId: server.id, transport: server.transport });
  let ctx: ProbeContext;
  try {
    ctx = new ProbeContext(options.timeoutMs, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, scrubberFor(server, options.secrets), options.signal);
  } catch (e) {
    return { ok: false, code: 'internal', reason: `cannot start probe: ${excerpt(String(e))}`, timings: { totalMs: 0 } };
  }
  const facts: Partial<TransportFacts> =
    server.transport === 'stdio' ? { kind: 'stdio' } : { kind: 'streamable-http', url: redactUrl(server.url) };
  const timings: Partial<ProbeTimings> = {};

  let result: ProbeResult;
  try {
    const egress = createEgress(server.allowPrivateNetwork === true, ctx, options.pool ?? sharedConnectionPool(), options.lookup);
    // Masked before anyone sees it: the poller fingerprints and publishes what we return.
    const run = observe(server, ctx, facts, timings, egress, options).then((o) => maskFinished(o, ctx.scrubber)).then(
      (observation): { observation: Observation } | { failure: Failure } => ({ observation }),
      (error: unknown) => ({ failure: classify(error, ctx, timings.connectMs === undefined ? 'connect' : 'list') }),
    );
    const outcome = await Promise.race([run, ctx.failed.then((failure) => ({ failure }))]);
    timings.totalMs = ctx.elapsed();
    if ('observation' in outcome) {
      ctx.succeeded = true;
      result = { ok: true, observation: outcome.observation, timings: { connectMs: 0, listMs: 0, ...timings, totalMs: ctx.elapsed() } };
    } else {
      // A transport that died because of an out-of-band failure reports the root cause.
      const failure = ctx.failure ?? outcome.failure;
      result = { ok: false, code: failure.code, reason: failure.reason, transport: scrubFacts(facts, ctx.scrubber), timings: { ...timings } };
    }
  } catch (e) {
    result = { ok: false, code: 'internal', reason: ctx.scrub(`unexpected error: ${excerpt(String(e))}`), transport: scrubFacts(facts, ctx.scrubber), timings: { ...timings, totalMs: ctx.elapsed() } };
  } finally {
    await ctx.dispose(CLEANUP_BOUND_MS).catch(() => undefined);
  }
  if (result.ok) log?.debug({ totalMs: Math.round(result.timings.totalMs), tools: result.observation.tools.length }, 'probe ok');
  // The server's stderr is its own text: debug only, and scrubbed (the logger scrubs again).
  else log?.debug({ code: result.code, reason: result.reason, stderr: ctx.stderrForDebug() }, 'probe failed');
  return result;
}

async function observe(
  server: ServerConfig,
  ctx: ProbeContext,
  facts: Partial<TransportFacts>,
  timings: Partial<ProbeTimings>,
  egress: Egress,
  options: Pick<ProbeOptions, 'sessions' | 'logger'>,
): Promise<Observation> {
  const conformance = new Conformance();
  const ledger = new UnverifiableLedger();
  const endpointModels = server.models ? probeModelEndpoints(server.models, ctx.signal, conformance, egress) : Promise.resolve([]);
  let cert: Promise<string | undefined> = Promise.resolve(undefined);
  if (server.transport === 'http') {
    cert = peerCertificateSha256(new URL(server.url), ctx.signal, egress.guard).then((fp) => {
      if (fp) facts.tlsCertFingerprint = fp;
      return fp;
    });
  }

  // keepConnected turned off: the session kept so far goes now, not after two missed polls.
  if (server.transport === 'stdio' && !server.keepConnected) options.sessions?.drop(server.id);
  const { client, transport, kind } =
    server.transport === 'http'
      ? await connectHttp(server, ctx, egress)
      : server.keepConnected && options.sessions
        ? await connectKept(server, ctx, facts, options.sessions, options.logger?.child({ serverId: server.id }))
        : await connectStdio(server, ctx, facts);
  ctx.handshakeDone = true;
  timings.connectMs = ctx.elapsed();
  facts.kind = kind;
  const raw = transport.rawInitialize ?? {};
  const protocolVersion = transport.protocolVersion ?? (typeof raw.protocolVersion === 'string' ? raw.protocolVersion : undefined);
  if (protocolVersion) facts.protocolVersion = protocolVersion.slice(0, 64);

  const caps = client.getServerCapabilities() ?? {};
  const listStart = ctx.elapsed();
  const tools = caps.tools ? await listAll(client, ctx, TOOLS, conformance, ledger) : [];
  const prompts = caps.prompts ? await listAll(client, ctx, PROMPTS, conformance, ledger) : [];
  const resources = caps.resources ? await listAll(client, ctx, RESOURCES, conformance, ledger) : [];
  const resourceTemplates = caps.resources ? await listAll(client, ctx, RESOURCE_TEMPLATES, conformance, ledger) : [];
  timings.listMs = ctx.elapsed() - listStart;

  const sdkInfo = client.getServerVersion();
  const rawServerInfo = raw.serverInfo && typeof raw.serverInfo === 'object' ? (raw.serverInfo as Record<string, unknown>) : {};
  const models: ModelVersion[] = [
    ...(await endpointModels),
    ...modelsFromMeta([raw._meta, rawServerInfo._meta, ...tools.map((t) => t._meta)]),
  ];
  await cert;

  if (ctx.unsolicited > MAX_UNSOLICITED) {
    conformance.add('stdio', `server sent ${ctx.unsolicited} notifications or requests unasked; those past ${MAX_UNSOLICITED} were dropped unread`);
  }
  if (ctx.badLines > 0) {
    conformance.add('stdio', `server wrote ${ctx.badLines} line(s) to stdout that are not JSON-RPC, e.g. "${ctx.badLineSample}"`);
  }
  const observation = {
    transport: { kind, ...facts } as TransportFacts,
    serverInfo: boundServerInfo(sdkInfo, conformance, ledger),
    capabilities: boundCapabilities(raw.capabilities ?? caps, ledger),
    ...boundInstructions(client.getInstructions(), ledger),
    tools,
    prompts,
    resources,
    resourceTemplates,
    models: normalizeModels(models, conformance),
    conformance: conformance.list(),
    unverifiable: ledger.list(),
  };
  const checked = AdmittedObservation.safeParse(observation);
  if (!checked.success) throw new ProbeError('protocol_error', `observation out of bounds: ${summarizeIssues(checked.error.issues)}`);
  // Leave room for the envelope and the fingerprints (5 hashes per tool).
  const budget = LIMITS.maxSnapshotBytes - 16 * 1024 - tools.length * 400;
  const size = Buffer.byteLength(JSON.stringify(checked.data));
  if (size > budget) throw new ProbeError('too_large', `server surface is ${size} bytes serialized; the snapshot limit leaves ${budget}`);
  return checked.data;
}

function boundServerInfo(
  info: { name: string; version: string; title?: string } | undefined,
  conformance: Conformance,
  ledger: UnverifiableLedger,
): ServerInfo {
  if (!info) {
    conformance.add('initialize', 'no serverInfo');
    return { name: '', version: '' };
  }
  const cut = (field: string, v: string, max: number): string => {
    if (v.length <= max) return v;
    ledger.add({ list: 'server', subject: `serverInfo.${field}`, reason: 'text_too_long', detail: `serverInfo.${field} of ${v.length} characters cut to ${max}`, digest: digestOf(v) });
    return truncateText(v, max);
  };
  const out: ServerInfo = { name: cut('name', info.name, 512), version: cut('version', info.version, 512) };
  if (typeof info.title === 'string') out.title = cut('title', info.title, LIMITS.maxSurfaceTextLength);
  return out;
}

function boundCapabilities(caps: unknown, ledger: UnverifiableLedger): Record<string, unknown> {
  const parsed = BoundedObject.safeParse(caps);
  if (parsed.success) {
    const m = measureJson(parsed.data, { maxDepth: LIMITS.maxJsonDepth, maxNodes: LIMITS.maxNodesPerItem, maxString: LIMITS.maxTextLength });
    if (!m.over) return parsed.data;
  }
  ledger.add({ list: 'server', subject: 'capabilities', reason: 'schema_invalid', detail: 'capabilities out of bounds (shape, depth or size); recorded as {}', digest: digestOf(caps) });
  return {};
}

function boundInstructions(instructions: string | undefined, ledger: UnverifiableLedger): { instructions?: string } {
  if (typeof instructions !== 'string') return {};
  if (instructions.length > LIMITS.maxSurfaceTextLength) {
    ledger.add({
      list: 'server',
      subject: 'instructions',
      reason: 'text_too_long',
      detail: `instructions of ${instructions.length} characters cut to ${LIMITS.maxSurfaceTextLength}`,
      digest: digestOf(instructions),
    });
  }
  return { instructions: truncateText(instructions, LIMITS.maxSurfaceTextLength) };
}
