import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ErrorCode,
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesResultSchema,
  ListToolsResultSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { LIMITS, PromptInfo, ResourceInfo, ResourceTemplateInfo, ToolInfo } from '@driftwatch/core';
import { z } from 'zod';
import { summarizeIssues } from './classify.js';
import { truncateText, type Conformance } from './conformance.js';
import type { ProbeContext } from './context.js';
import { excerpt, ProbeError } from './failure.js';

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
  sdk: SafeParser;
  ours: z.ZodType<T>;
}

export const TOOLS: ListSpec<ToolInfo> = {
  method: 'tools/list',
  key: 'tools',
  noun: 'tool',
  idField: 'name',
  sdk: ListToolsResultSchema as unknown as SafeParser,
  ours: ToolInfo,
};
export const PROMPTS: ListSpec<PromptInfo> = {
  method: 'prompts/list',
  key: 'prompts',
  noun: 'prompt',
  idField: 'name',
  sdk: ListPromptsResultSchema as unknown as SafeParser,
  ours: PromptInfo,
};
export const RESOURCES: ListSpec<ResourceInfo> = {
  method: 'resources/list',
  key: 'resources',
  noun: 'resource',
  idField: 'uri',
  sdk: ListResourcesResultSchema as unknown as SafeParser,
  ours: ResourceInfo,
};
export const RESOURCE_TEMPLATES: ListSpec<ResourceTemplateInfo> = {
  method: 'resources/templates/list',
  key: 'resourceTemplates',
  noun: 'resource template',
  idField: 'uriTemplate',
  sdk: ListResourceTemplatesResultSchema as unknown as SafeParser,
  ours: ResourceTemplateInfo,
};

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Truncates the human-readable text fields of one item, noting each cut. */
function truncateItem(item: Record<string, unknown>, label: string, method: string, conformance: Conformance): Record<string, unknown> {
  const out = { ...item };
  for (const field of ['title', 'description']) {
    const v = out[field];
    if (typeof v === 'string' && v.length > LIMITS.maxTextLength) {
      out[field] = truncateText(v);
      conformance.add(method, `${label}: ${field} of ${v.length} characters truncated to ${LIMITS.maxTextLength}`);
    }
  }
  if (Array.isArray(out.arguments)) {
    out.arguments = out.arguments.map((a: unknown) => {
      if (!isObject(a) || typeof a.description !== 'string' || a.description.length <= LIMITS.maxTextLength) return a;
      conformance.add(method, `${label}: an argument description was truncated to ${LIMITS.maxTextLength} characters`);
      return { ...a, description: truncateText(a.description) };
    });
  }
  return out;
}

/**
 * Follows every page of one list method. The answer is requested with a permissive schema,
 * then checked against the SDK's schema (a mismatch is a conformance problem, not a failure)
 * and item by item against ours (an item that fails is dropped, with a problem recorded).
 * More than LIMITS.maxItemsPerList items or LIMITS.maxPages pages fails as `too_large`: a
 * partial list would look like removed tools, and a server could hide a tool past the cut.
 */
export async function listAll<T>(client: Client, ctx: ProbeContext, spec: ListSpec<T>, conformance: Conformance): Promise<T[]> {
  const items: T[] = [];
  const seenIds = new Set<string>();
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  for (let page = 1; ; page++) {
    if (page > LIMITS.maxPages) {
      throw new ProbeError('too_large', `${spec.method} kept paginating past ${LIMITS.maxPages} pages`);
    }
    let raw: Record<string, unknown>;
    try {
      raw = await client.request(
        { method: spec.method, params: cursor === undefined ? {} : { cursor } },
        AnyResult,
        { signal: ctx.signal, timeout: ctx.remainingMs() },
      );
    } catch (e) {
      if (e instanceof McpError && e.code === ErrorCode.MethodNotFound) {
        // Deterministic and common for resources/templates/list: note it, list nothing.
        conformance.add(spec.method, 'capability advertised but the method is not implemented');
        return items;
      }
      throw e;
    }

    const sdk = spec.sdk.safeParse(raw);
    if (!sdk.success) {
      conformance.add(spec.method, `page ${page} rejected by the MCP SDK schema: ${summarizeIssues(sdk.error.issues)}`);
    }

    const list = raw[spec.key];
    if (!Array.isArray(list)) {
      conformance.add(spec.method, `page ${page} has no "${spec.key}" array`);
    } else {
      if (items.length + list.length > LIMITS.maxItemsPerList) {
        throw new ProbeError('too_large', `${spec.method} returned more than ${LIMITS.maxItemsPerList} ${spec.noun}s`);
      }
      list.forEach((entry: unknown, index) => {
        const id = isObject(entry) && typeof entry[spec.idField] === 'string' ? (entry[spec.idField] as string) : undefined;
        const label = id === undefined ? `${spec.noun} #${index + 1} on page ${page}` : `${spec.noun} ${JSON.stringify(excerpt(id, 100))}`;
        if (!isObject(entry)) {
          conformance.add(spec.method, `dropped ${label}: not an object`);
          return;
        }
        const parsed = spec.ours.safeParse(truncateItem(entry, label, spec.method, conformance));
        if (!parsed.success) {
          conformance.add(spec.method, `dropped ${label}: ${summarizeIssues(parsed.error.issues)}`);
          return;
        }
        if (id !== undefined && seenIds.has(id)) {
          conformance.add(spec.method, `dropped duplicate ${label}`);
          return;
        }
        if (id !== undefined) seenIds.add(id);
        items.push(parsed.data);
      });
    }

    const next = raw.nextCursor;
    if (next === undefined || next === null) return items;
    if (typeof next !== 'string') {
      conformance.add(spec.method, `page ${page} has a nextCursor that is not a string; stopped there`);
      return items;
    }
    if (seenCursors.has(next)) {
      throw new ProbeError('protocol_error', `${spec.method} returned a cursor it had already returned (page ${page}); pagination loops`);
    }
    if (next.length > 4096) throw new ProbeError('protocol_error', `${spec.method} returned a cursor longer than 4096 characters`);
    seenCursors.add(next);
    cursor = next;
  }
}
