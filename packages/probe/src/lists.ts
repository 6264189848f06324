import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ErrorCode,
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesResultSchema,
  ListToolsResultSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { LIMITS, PromptInfo, ResourceInfo, ResourceTemplateInfo, ToolInfo, sha256Hex } from '@driftwatch/core';
import { z } from 'zod';
import { summarizeIssues } from './classify.js';
import type { Conformance } from './conformance.js';
import type { ProbeContext } from './context.js';
import { boundItem, isObject, type ListName } from './admit.js';
import { digestOf, digestOfUnread, type UnverifiableLedger } from './unverifiable.js';

/** Accepts any result object: we validate it ourselves so a non-conforming answer is still seen. */
const AnyResult = z.looseObject({});

interface SafeParser {
  safeParse(v: unknown): { success: true } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

interface ListSpec<T> {
  method: 'tools/list' | 'prompts/list' | 'resources/list' | 'resources/templates/list';
  key: string;
  noun: string;
  idField: string;
  /** Where unkeepable items are recorded. */
  list: ListName;
  maxIdLength: number;
  sdk: SafeParser;
  ours: z.ZodType<T>;
}

export const TOOLS: ListSpec<ToolInfo> = {
  method: 'tools/list',
  key: 'tools',
  noun: 'tool',
  idField: 'name',
  list: 'tools',
  maxIdLength: LIMITS.maxNameLength,
  sdk: ListToolsResultSchema as unknown as SafeParser,
  ours: ToolInfo,
};
export const PROMPTS: ListSpec<PromptInfo> = {
  method: 'prompts/list',
  key: 'prompts',
  noun: 'prompt',
  idField: 'name',
  list: 'prompts',
  maxIdLength: LIMITS.maxNameLength,
  sdk: ListPromptsResultSchema as unknown as SafeParser,
  ours: PromptInfo,
};
export const RESOURCES: ListSpec<ResourceInfo> = {
  method: 'resources/list',
  key: 'resources',
  noun: 'resource',
  idField: 'uri',
  list: 'resources',
  maxIdLength: 4096,
  sdk: ListResourcesResultSchema as unknown as SafeParser,
  ours: ResourceInfo,
};
export const RESOURCE_TEMPLATES: ListSpec<ResourceTemplateInfo> = {
  method: 'resources/templates/list',
  key: 'resourceTemplates',
  noun: 'resource template',
  idField: 'uriTemplate',
  list: 'resourceTemplates',
  maxIdLength: 4096,
  sdk: ListResourceTemplatesResultSchema as unknown as SafeParser,
  ours: ResourceTemplateInfo,
};

/**
 * Follows every page of one list method. The answer is requested with a permissive schema,
 * then checked against the SDK's schema (a mismatch is a conformance problem, not a failure)
 * and item by item against ours. Nothing is dropped unseen: an item we cannot keep whole is
 * kept within bounds or, without a usable name, left out — and either way recorded in the
 * ledger with the hash of what was cut, which enters the fingerprint and raises a finding.
 * Duplicate names are all kept (the differ compares every definition). Items past
 * LIMITS.maxItemsPerList, pages past LIMITS.maxPages and looping cursors are recorded the same way.
 */
export async function listAll<T>(
  client: Client,
  ctx: ProbeContext,
  spec: ListSpec<T>,
  conformance: Conformance,
  ledger: UnverifiableLedger,
): Promise<T[]> {
  const items: T[] = [];
  const overflow: string[] = [];
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  let index = 0;
  for (let page = 1; ; page++) {
    if (page > LIMITS.maxPages) {
      ledger.add({ list: spec.list, subject: spec.method, reason: 'too_many_pages', detail: `${spec.method} kept paginating past ${LIMITS.maxPages} pages; the rest was not read`, digest: digestOfUnread(`${spec.method}:pages`) });
      break;
    }
    let raw: Record<string, unknown>;
    try {
      const params = cursor === undefined ? {} : { cursor };
      raw = await ctx.request((options) => client.request({ method: spec.method, params }, AnyResult, options));
    } catch (e) {
      if (e instanceof McpError && e.code === ErrorCode.MethodNotFound) {
        // Deterministic and common for resources/templates/list: note it, list nothing.
        conformance.add(spec.method, 'capability advertised but the method is not implemented');
        return items;
      }
      throw e;
    }

    const list = raw[spec.key];
    const admitted: T[] = [];
    if (!Array.isArray(list)) {
      conformance.add(spec.method, `page ${page} has no "${spec.key}" array`);
    } else {
      for (const entry of list as unknown[]) {
        index += 1;
        if (items.length + admitted.length >= LIMITS.maxItemsPerList) {
          overflow.push(digestOf(entry));
          continue;
        }
        const kept = admit(entry, index, spec, ledger);
        if (kept !== undefined) admitted.push(kept);
      }
      items.push(...admitted);
    }
    // The SDK's view, for conformance notes only: checked on what we kept (bounded by our own
    // limits), never on the raw page, whose size the server chooses.
    const sdk = spec.sdk.safeParse(Array.isArray(list) ? { ...raw, [spec.key]: admitted } : raw);
    if (!sdk.success) {
      conformance.add(spec.method, `page ${page} rejected by the MCP SDK schema: ${summarizeIssues(sdk.error.issues)}`);
    }

    const next = raw.nextCursor;
    if (next === undefined || next === null) break;
    if (typeof next !== 'string') {
      conformance.add(spec.method, `page ${page} has a nextCursor that is not a string; stopped there`);
      break;
    }
    if (seenCursors.has(next) || next.length > 4096) {
      const why = next.length > 4096 ? 'returned a cursor longer than 4096 characters' : `returned a cursor it had already returned (page ${page}); pagination loops`;
      ledger.add({ list: spec.list, subject: spec.method, reason: 'too_many_pages', detail: `${spec.method} ${why}; the rest was not read`, digest: digestOfUnread(`${spec.method}:cursor`) });
      break;
    }
    seenCursors.add(next);
    cursor = next;
  }
  if (overflow.length > 0) {
    ledger.add({
      list: spec.list,
      subject: spec.method,
      reason: 'too_many_items',
      detail: `${spec.method} returned ${LIMITS.maxItemsPerList + overflow.length} ${spec.noun}s; ${overflow.length} past the first ${LIMITS.maxItemsPerList} were not kept`,
      digest: sha256Hex(overflow.join('\n')),
    });
  }
  return items;
}

/** One raw item → kept (within bounds) or undefined (no usable identity); every cut recorded. */
function admit<T>(entry: unknown, index: number, spec: ListSpec<T>, ledger: UnverifiableLedger): T | undefined {
  const where = `#${index}`;
  if (!isObject(entry)) {
    ledger.add({ list: spec.list, subject: where, reason: 'not_an_object', detail: `${spec.noun} ${where} is not an object`, digest: digestOf(entry) });
    return undefined;
  }
  const id = entry[spec.idField];
  if (typeof id !== 'string' || id.length === 0) {
    ledger.add({ list: spec.list, subject: where, reason: 'no_identity', detail: `${spec.noun} ${where} has no ${spec.idField}`, digest: digestOf(entry) });
    return undefined;
  }
  if (id.length > spec.maxIdLength) {
    ledger.add({
      list: spec.list,
      subject: id,
      reason: 'name_too_long',
      detail: `${spec.noun} ${spec.idField} of ${id.length} characters (the limit is ${spec.maxIdLength})`,
      digest: digestOf(entry),
    });
    return undefined;
  }
  const parsed = spec.ours.safeParse(boundItem(entry, spec.list, id, ledger));
  if (!parsed.success) {
    ledger.add({ list: spec.list, subject: id, reason: 'invalid_item', detail: summarizeIssues(parsed.error.issues), digest: digestOf(entry) });
    return undefined;
  }
  return parsed.data;
}
