import { LIMITS } from '../limits.js';
import type { PromptInfo, ResourceInfo, ToolInfo } from '../schemas/snapshot.js';
import type { TextField, TextKind } from './types.js';

/** Fields taken from one tool; a schema with more is abusive and the rest is not scanned. */
const MAX_FIELDS_PER_TOOL = 4_000;
const MAX_KEY_IN_PATH = 128;
const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/**
 * JSON Schema keywords whose values are structure, not prose (or are walked on their own below).
 * Any other key of a schema node — `$comment`, OpenAPI's `example`, vendor `x-…` keys, a made-up
 * `note` — is text the model reads with the schema, so it is scanned like a description.
 */
const STRUCTURAL_KEYWORDS = new Set([
  'type', 'description', 'title', 'enum', 'const', 'default', 'examples',
  'properties', 'patternProperties', '$defs', 'definitions', 'items', 'additionalProperties', 'not', 'if', 'then', 'else',
  'anyOf', 'oneOf', 'allOf', 'prefixItems', 'contains', 'propertyNames', 'dependentSchemas', 'unevaluatedProperties',
  'unevaluatedItems', 'additionalItems', 'dependencies', 'dependentRequired', 'required',
  'format', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength',
  'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'minContains', 'maxContains',
  'nullable', 'readOnly', 'writeOnly', 'deprecated', 'contentMediaType', 'contentEncoding', 'contentSchema',
  '$schema', '$id', '$ref', '$anchor', '$dynamicRef', '$dynamicAnchor', '$vocabulary', '$recursiveRef', '$recursiveAnchor',
]);

function clip(text: string): string {
  // Texts past this bound are recorded as unverifiable by the probe (a high finding of their own).
  return text.length > LIMITS.maxSurfaceTextLength ? text.slice(0, LIMITS.maxSurfaceTextLength) : text;
}

function pathKey(key: string): string {
  return key.length > MAX_KEY_IN_PATH ? `${key.slice(0, MAX_KEY_IN_PATH)}…` : key;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A default or example value as the model sees it: strings verbatim, other JSON serialised. */
function valueText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || v === undefined) return undefined;
  try {
    return JSON.stringify(v);
  } catch {
    return undefined;
  }
}

class Collector {
  readonly out: TextField[] = [];
  constructor(private readonly tool: string | undefined) {}

  add(field: string, kind: TextKind, text: unknown): void {
    if (typeof text !== 'string' || text.length === 0 || this.out.length >= MAX_FIELDS_PER_TOOL) return;
    const f: TextField = { field, kind, text: clip(text) };
    if (this.tool !== undefined) f.tool = this.tool;
    this.out.push(f);
  }

  /** Walks a JSON schema: every property name, description, title, enum, const, default, example, and any non-structural key. */
  schema(node: unknown, path: string, depth: number): void {
    if (!isRecord(node) || depth > LIMITS.maxJsonDepth || this.out.length >= MAX_FIELDS_PER_TOOL) return;
    this.add(`${path}.description`, 'param-description', node.description);
    this.add(`${path}.title`, 'title', node.title);
    // A `type` that is not a JSON Schema type is free text the model reads (full-schema poisoning).
    if (typeof node.type === 'string' && !JSON_TYPES.has(node.type)) this.add(`${path}.type`, 'enum', node.type);
    if (Array.isArray(node.enum)) {
      node.enum.forEach((v, i) => this.add(`${path}.enum[${i}]`, 'enum', valueText(v)));
    }
    this.add(`${path}.const`, 'enum', valueText(node.const));
    this.add(`${path}.default`, 'default', valueText(node.default));
    if (Array.isArray(node.examples)) {
      node.examples.forEach((v, i) => this.add(`${path}.examples[${i}]`, 'default', valueText(v)));
    }
    for (const [key, value] of Object.entries(node)) {
      if (STRUCTURAL_KEYWORDS.has(key)) continue;
      const p = `${path}.${pathKey(key)}`;
      // A sample value reads as one (like `examples`); anything else as prose about the schema.
      const kind: TextKind = key === 'example' ? 'default' : 'param-description';
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) value.forEach((v, i) => this.add(`${p}[${i}]`, kind, v));
      else this.add(p, kind, valueText(value));
    }
    for (const key of ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'] as const) {
      const props = node[key];
      if (!isRecord(props)) continue;
      for (const [name, sub] of Object.entries(props)) {
        const p = `${path}.${key}.${pathKey(name)}`;
        if (key === 'properties') this.add(p, 'param-name', name);
        this.schema(sub, p, depth + 1);
      }
    }
    for (const key of ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems', 'additionalItems'] as const) {
      const sub = node[key];
      if (Array.isArray(sub)) sub.forEach((s, i) => this.schema(s, `${path}.${key}[${i}]`, depth + 1));
      else this.schema(sub, `${path}.${key}`, depth + 1);
    }
    for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const) {
      const list = node[key];
      if (Array.isArray(list)) list.forEach((s, i) => this.schema(s, `${path}.${key}[${i}]`, depth + 1));
    }
  }
}

/** Every text of a tool that reaches a model, with the field path alerts will show. */
export function toolFields(tool: ToolInfo): TextField[] {
  const c = new Collector(tool.name);
  const base = `tools[${pathKey(tool.name)}]`;
  c.add(`${base}.name`, 'tool-name', tool.name);
  c.add(`${base}.title`, 'title', tool.title);
  c.add(`${base}.description`, 'description', tool.description);
  if (isRecord(tool.annotations)) c.add(`${base}.annotations.title`, 'title', tool.annotations.title);
  c.schema(tool.inputSchema, `${base}.inputSchema`, 0);
  if (tool.outputSchema) c.schema(tool.outputSchema, `${base}.outputSchema`, 0);
  if (tool._meta) c.add(`${base}._meta`, 'meta', valueText(tool._meta));
  return c.out;
}

export function promptFields(prompt: PromptInfo): TextField[] {
  const c = new Collector(undefined);
  const base = `prompts[${pathKey(prompt.name)}]`;
  c.add(`${base}.name`, 'prompt-name', prompt.name);
  c.add(`${base}.title`, 'title', prompt.title);
  c.add(`${base}.description`, 'prompt-text', prompt.description);
  for (const a of prompt.arguments ?? []) {
    c.add(`${base}.arguments[${pathKey(a.name)}].name`, 'param-name', a.name);
    c.add(`${base}.arguments[${pathKey(a.name)}].description`, 'param-description', a.description);
  }
  if (prompt._meta) c.add(`${base}._meta`, 'meta', valueText(prompt._meta));
  return c.out;
}

export function resourceFields(resource: ResourceInfo): TextField[] {
  const c = new Collector(undefined);
  const base = `resources[${pathKey(resource.uri)}]`;
  c.add(`${base}.name`, 'title', resource.name);
  c.add(`${base}.title`, 'title', resource.title);
  c.add(`${base}.description`, 'description', resource.description);
  if (resource._meta) c.add(`${base}._meta`, 'meta', valueText(resource._meta));
  return c.out;
}
