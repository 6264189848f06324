import { LIMITS } from '../limits.js';
import { maxSeverity, type Severity } from '../severity.js';
import { kindSeverity, strongestGrade, type KindGrade } from '../kind-severity.js';
import { compareStrings } from '../fingerprint.js';
import { isPlainObject, joinPath, jsonEqual } from './json-diff.js';
import { shortJson } from './format.js';
import { describeTextChange } from './text.js';

/**
 * Does a schema change let a caller (the model) send more than before (widening) or less
 * (narrowing)? Widening is what an attacker wants: a new free-text field is a new channel to
 * smuggle data out through, a dropped pattern lets a path escape its sandbox.
 */
export type SchemaDirection = 'widening' | 'narrowing' | 'neutral';

export interface SchemaFinding {
  direction: SchemaDirection;
  severity: Severity;
  /** `+ properties.notes (string, free text)`, `- properties.path.pattern`, … */
  text: string;
}

export interface SchemaComparison {
  findings: SchemaFinding[];
  /** widened | narrowed | widened and narrowed | changed (neither) | unchanged */
  verdict: 'widened' | 'narrowed' | 'widened and narrowed' | 'changed' | 'unchanged';
  severity: Severity;
}

/**
 * How one finding is graded, as tool.input_schema_changed's grades in KIND_INFO (undefined: the
 * kind's default, a widening). The severities live in that table, not here.
 */
type Grade = KindGrade<'tool.input_schema_changed'> | undefined;
const GRADE = { opensChannel: 'opens-channel', widening: undefined, minor: 'minor', cosmetic: 'cosmetic' } as const satisfies Record<string, Grade>;

/** Findings as they are collected, each with its grade. */
type Out = Array<{ finding: SchemaFinding; grade: Grade }>;

/** Keywords whose mere presence restricts values; removing one widens. */
const RESTRICTING = ['pattern', 'format', 'const', 'multipleOf', 'contentMediaType', 'contentEncoding', 'not'] as const;
/** Upper bounds: a larger value (or none) widens. */
const UPPER = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties', 'maxContains'] as const;
/** Lower bounds: a smaller value (or none) widens. */
const LOWER = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties', 'minContains'] as const;
/** Sub-schemas that default to "anything" when absent. */
const OPEN_BY_DEFAULT = ['additionalProperties', 'unevaluatedProperties', 'additionalItems', 'unevaluatedItems', 'propertyNames', 'items', 'contains'] as const;
/** Maps of named sub-schemas that only matter where referenced. */
const DEFINITION_MAPS = ['$defs', 'definitions', 'dependentSchemas'] as const;
/** Text the model reads: a description inside a schema is as much a prompt as the tool description. */
const TEXT_GRADE: Record<string, Grade> = { description: GRADE.opensChannel, title: GRADE.minor, default: GRADE.widening, examples: GRADE.minor, $comment: GRADE.cosmetic };

const HANDLED = new Set<string>([
  'type', 'enum', 'required', 'properties', 'patternProperties', 'prefixItems', 'anyOf', 'oneOf', 'allOf', 'uniqueItems', '$ref',
  ...RESTRICTING, ...UPPER, ...LOWER, ...OPEN_BY_DEFAULT, ...DEFINITION_MAPS, ...Object.keys(TEXT_GRADE),
]);

export function compareSchemas(before: unknown, after: unknown): SchemaComparison {
  return gradeSchemaChange(before, after).comparison;
}

/** compareSchemas, with the grade of the whole change (its most severe finding's). */
export function gradeSchemaChange(before: unknown, after: unknown): { comparison: SchemaComparison; grade: Grade } {
  const out: Out = [];
  walk(before, after, '', 0, out);
  if (out.length === 0 && !jsonEqual(before, after)) {
    // E.g. `required` or a type array listed in another order: same meaning, different bytes.
    neutral(out, '~ reordered without a change in meaning', GRADE.cosmetic);
  }
  const findings = out.map((o) => o.finding);
  const severity = findings.reduce((s, f) => maxSeverity(s, f.severity), kindSeverity('tool.input_schema_changed', GRADE.cosmetic));
  const grade = out.length > 0 ? strongestGrade('tool.input_schema_changed', out.map((o) => o.grade)) : GRADE.cosmetic;
  return { comparison: { findings, verdict: verdictOf(findings), severity }, grade };
}

function verdictOf(findings: SchemaFinding[]): SchemaComparison['verdict'] {
  const wide = findings.some((f) => f.direction === 'widening');
  const narrow = findings.some((f) => f.direction === 'narrowing');
  if (wide && narrow) return 'widened and narrowed';
  if (wide) return 'widened';
  if (narrow) return 'narrowed';
  return findings.length > 0 ? 'changed' : 'unchanged';
}

function push(out: Out, direction: SchemaDirection, text: string, grade: Grade): void {
  out.push({ finding: { direction, severity: kindSeverity('tool.input_schema_changed', grade), text }, grade });
}
function widen(out: Out, text: string, grade: Grade = GRADE.widening): void {
  push(out, 'widening', text, grade);
}
function narrow(out: Out, text: string): void {
  push(out, 'narrowing', text, GRADE.minor);
}
function neutral(out: Out, text: string, grade: Grade): void {
  push(out, 'neutral', text, grade);
}

function label(path: string): string {
  return path || '(root)';
}

function walk(b: unknown, a: unknown, path: string, depth: number, out: Out): void {
  if (jsonEqual(b, a)) return;
  if (depth >= LIMITS.maxJsonDepth) {
    widen(out, `~ ${label(path)} changed (nested deeper than ${LIMITS.maxJsonDepth} levels, not compared)`);
    return;
  }
  if (!isPlainObject(b) || !isPlainObject(a)) {
    compareOpaque(b, a, path, out);
    return;
  }
  compareType(b.type, a.type, path, out);
  compareEnum(b.enum, a.enum, path, out);
  for (const k of RESTRICTING) compareRestricting(k, b[k], a[k], path, out);
  for (const k of UPPER) compareBound(k, b[k], a[k], path, out, 'upper');
  for (const k of LOWER) compareBound(k, b[k], a[k], path, out, 'lower');
  if (b.uniqueItems !== a.uniqueItems) {
    if (b.uniqueItems === true) widen(out, `- ${joinPath(path, 'uniqueItems')}`);
    else if (a.uniqueItems === true) narrow(out, `+ ${joinPath(path, 'uniqueItems')}`);
  }
  compareProperties(b, a, path, depth, out);
  compareRequired(b, a, path, out);
  compareNamedMap('patternProperties', b.patternProperties, a.patternProperties, path, depth, out, 'widening');
  for (const k of DEFINITION_MAPS) compareNamedMap(k, b[k], a[k], path, depth, out, 'neutral');
  for (const k of OPEN_BY_DEFAULT) compareOpenByDefault(k, b[k], a[k], path, depth, out);
  compareSchemaList('prefixItems', b.prefixItems, a.prefixItems, path, depth, out);
  compareBranches('anyOf', b.anyOf, a.anyOf, path, out, 'union');
  compareBranches('oneOf', b.oneOf, a.oneOf, path, out, 'union');
  compareBranches('allOf', b.allOf, a.allOf, path, out, 'intersection');
  if (!jsonEqual(b.$ref, a.$ref)) widen(out, `~ ${joinPath(path, '$ref')} ${shortJson(b.$ref)} → ${shortJson(a.$ref)}`);
  for (const [k, grade] of Object.entries(TEXT_GRADE)) compareText(k, b[k], a[k], path, out, grade);
  const others = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !HANDLED.has(k)).sort(compareStrings);
  for (const k of others) {
    if (!jsonEqual(b[k], a[k])) neutral(out, `~ ${joinPath(path, k)} ${shortJson(b[k])} → ${shortJson(a[k])}`, GRADE.minor);
  }
}

/** Boolean schemas (`true` accepts anything, `false` nothing) or values that are not schemas. */
function compareOpaque(b: unknown, a: unknown, path: string, out: Out): void {
  const text = `~ ${label(path)} ${shortJson(b)} → ${shortJson(a)}`;
  if (b === false || a === true) widen(out, text);
  else if (b === true || a === false) narrow(out, text);
  else widen(out, `${text} (replaced)`);
}

/** null = no type keyword = any type. */
function typeSet(t: unknown): Set<string> | null | 'invalid' {
  if (t === undefined) return null;
  if (typeof t === 'string') return new Set([t]);
  if (Array.isArray(t) && t.every((x) => typeof x === 'string')) return new Set(t as string[]);
  return 'invalid';
}

function covers(set: Set<string>, t: string): boolean {
  return set.has(t) || (t === 'integer' && set.has('number'));
}

function typeText(t: unknown): string {
  return t === undefined ? '(any)' : Array.isArray(t) ? t.join('|') : typeof t === 'string' ? t : shortJson(t);
}

function compareType(bt: unknown, at: unknown, path: string, out: Out): void {
  if (jsonEqual(bt, at)) return;
  const b = typeSet(bt);
  const a = typeSet(at);
  const text = `~ ${joinPath(path, 'type')} ${typeText(bt)} → ${typeText(at)}`;
  if (b === 'invalid' || a === 'invalid') return widen(out, `${text} (invalid type)`);
  if (b === null && a === null) return;
  if (a === null) return widen(out, text);
  if (b === null) return narrow(out, text);
  const aCoversB = [...b].every((t) => covers(a, t));
  const bCoversA = [...a].every((t) => covers(b, t));
  if (aCoversB && bCoversA) return; // same set in another order
  if (aCoversB) return widen(out, text);
  if (bCoversA) return narrow(out, text);
  widen(out, `${text} (changed)`);
}

function compareEnum(be: unknown, ae: unknown, path: string, out: Out): void {
  if (jsonEqual(be, ae)) return;
  const p = joinPath(path, 'enum');
  if (ae === undefined) return widen(out, `- ${p}`);
  if (be === undefined) return narrow(out, `+ ${p} ${shortJson(ae)}`);
  if (!Array.isArray(be) || !Array.isArray(ae)) return widen(out, `~ ${p} ${shortJson(be)} → ${shortJson(ae)}`);
  const added = ae.filter((v) => !be.some((w) => jsonEqual(v, w)));
  const removed = be.filter((v) => !ae.some((w) => jsonEqual(v, w)));
  if (added.length > 0) widen(out, `+ ${p} values ${shortJson(added)}`);
  if (removed.length > 0) narrow(out, `- ${p} values ${shortJson(removed)}`);
}

function compareRestricting(k: string, bv: unknown, av: unknown, path: string, out: Out): void {
  if (jsonEqual(bv, av)) return;
  const p = joinPath(path, k);
  if (av === undefined) widen(out, `- ${p}`);
  else if (bv === undefined) narrow(out, `+ ${p} ${shortJson(av)}`);
  // A different pattern or format may accept anything; assume the worse.
  else widen(out, `~ ${p} ${shortJson(bv)} → ${shortJson(av)}`);
}

function compareBound(k: string, bv: unknown, av: unknown, path: string, out: Out, side: 'upper' | 'lower'): void {
  if (jsonEqual(bv, av)) return;
  const p = joinPath(path, k);
  if (av === undefined) return widen(out, `- ${p}`);
  if (bv === undefined) return narrow(out, `+ ${p} ${shortJson(av)}`);
  const text = `~ ${p} ${shortJson(bv)} → ${shortJson(av)}`;
  if (typeof bv !== 'number' || typeof av !== 'number') return widen(out, text);
  const looser = side === 'upper' ? av > bv : av < bv;
  if (looser) widen(out, text);
  else narrow(out, text);
}

/** A new property a model can fill with anything it likes: the classic exfiltration channel. */
export function isFreeText(schema: unknown): boolean {
  if (schema === true) return true;
  if (!isPlainObject(schema)) return false;
  const types = typeSet(schema.type);
  if (types === 'invalid') return false;
  if (types !== null && !types.has('string')) return false;
  return ['enum', 'const', 'pattern', 'format', 'maxLength'].every((k) => schema[k] === undefined);
}

function describeProperty(schema: unknown, required: boolean): string {
  const parts = [isPlainObject(schema) ? typeText(schema.type) : shortJson(schema)];
  if (isPlainObject(schema) && schema.enum !== undefined) parts.push('enum');
  if (isFreeText(schema)) parts.push('free text');
  if (required) parts.push('required');
  return parts.join(', ');
}

function requiredSet(s: Record<string, unknown>): Set<string> {
  return new Set(Array.isArray(s.required) ? s.required.filter((x): x is string => typeof x === 'string') : []);
}

function propsOf(s: Record<string, unknown>): Record<string, unknown> {
  return isPlainObject(s.properties) ? s.properties : {};
}

function has(o: Record<string, unknown>, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined;
}

function compareProperties(b: Record<string, unknown>, a: Record<string, unknown>, path: string, depth: number, out: Out): void {
  const bp = propsOf(b);
  const ap = propsOf(a);
  const aReq = requiredSet(a);
  const keys = [...new Set([...Object.keys(bp), ...Object.keys(ap)])].sort(compareStrings);
  for (const k of keys) {
    const p = joinPath(joinPath(path, 'properties'), k);
    if (!has(bp, k)) {
      widen(out, `+ ${p} (${describeProperty(ap[k], aReq.has(k))})`, isFreeText(ap[k]) ? GRADE.opensChannel : GRADE.widening);
    } else if (!has(ap, k)) {
      narrow(out, `- ${p}`);
    } else {
      walk(bp[k], ap[k], p, depth + 1, out);
    }
  }
}

function compareRequired(b: Record<string, unknown>, a: Record<string, unknown>, path: string, out: Out): void {
  const br = requiredSet(b);
  const ar = requiredSet(a);
  const bp = propsOf(b);
  const ap = propsOf(a);
  const p = joinPath(path, 'required');
  for (const k of [...br].sort(compareStrings)) {
    // A property that disappeared was reported as removed already.
    if (!ar.has(k) && !(has(bp, k) && !has(ap, k))) widen(out, `~ ${p}: ${shortJson(k)} now optional`);
  }
  for (const k of [...ar].sort(compareStrings)) {
    // A new property carries "required" in its own line.
    if (!br.has(k) && !(has(ap, k) && !has(bp, k))) narrow(out, `~ ${p}: ${shortJson(k)} now required`);
  }
}

/** Named sub-schemas: a new pattern property widens; a new $defs entry only matters once referenced. */
function compareNamedMap(
  k: string,
  bm: unknown,
  am: unknown,
  path: string,
  depth: number,
  out: Out,
  addDirection: 'widening' | 'neutral',
): void {
  if (jsonEqual(bm, am)) return;
  const p = joinPath(path, k);
  const added = (text: string): void => (addDirection === 'widening' ? widen(out, text) : neutral(out, text, GRADE.minor));
  const removed = (text: string): void => (addDirection === 'widening' ? narrow(out, text) : neutral(out, text, GRADE.minor));
  if (!isPlainObject(bm) || !isPlainObject(am)) {
    if (am === undefined) removed(`- ${p}`);
    else if (bm === undefined) added(`+ ${p}`);
    else widen(out, `~ ${p} replaced`);
    return;
  }
  const keys = [...new Set([...Object.keys(bm), ...Object.keys(am)])].sort(compareStrings);
  for (const key of keys) {
    const kp = joinPath(p, key);
    if (!has(bm, key)) added(`+ ${kp}`);
    else if (!has(am, key)) removed(`- ${kp}`);
    else walk(bm[key], am[key], kp, depth + 1, out);
  }
}

/** `additionalProperties`, `items` …: absent means `true` (anything), so compare as schemas. */
function compareOpenByDefault(k: string, bv: unknown, av: unknown, path: string, depth: number, out: Out): void {
  if (jsonEqual(bv, av)) return;
  const p = joinPath(path, k);
  if (Array.isArray(bv) || Array.isArray(av)) return compareSchemaList(k, bv, av, path, depth, out);
  const b = bv === undefined ? true : bv;
  const a = av === undefined ? true : av;
  if (jsonEqual(b, a)) return; // absent ⇔ true
  if (isPlainObject(b) && isPlainObject(a)) return walk(b, a, p, depth + 1, out);
  const text = `~ ${p} ${bv === undefined ? '(absent)' : shortJson(bv)} → ${av === undefined ? '(absent)' : shortJson(av)}`;
  if (b === false || a === true) widen(out, text);
  else if (b === true || a === false) narrow(out, text);
  else widen(out, `${text} (replaced)`);
}

/** Positional sub-schemas (tuples). */
function compareSchemaList(k: string, bv: unknown, av: unknown, path: string, depth: number, out: Out): void {
  if (jsonEqual(bv, av)) return;
  const p = joinPath(path, k);
  if (!Array.isArray(bv) || !Array.isArray(av)) {
    widen(out, `~ ${p} ${shortJson(bv)} → ${shortJson(av)}`);
    return;
  }
  const n = Math.max(bv.length, av.length);
  for (let i = 0; i < n; i++) {
    if (i >= av.length) neutral(out, `- ${joinPath(p, i)}`, GRADE.widening);
    else if (i >= bv.length) neutral(out, `+ ${joinPath(p, i)}`, GRADE.widening);
    else walk(bv[i], av[i], joinPath(p, i), depth + 1, out);
  }
}

/** anyOf/oneOf: a new branch accepts more. allOf: a new member restricts more. */
function compareBranches(k: string, bv: unknown, av: unknown, path: string, out: Out, mode: 'union' | 'intersection'): void {
  if (jsonEqual(bv, av)) return;
  const p = joinPath(path, k);
  const b = Array.isArray(bv) ? bv : [];
  const a = Array.isArray(av) ? av : [];
  const added = a.filter((x) => !b.some((y) => jsonEqual(x, y)));
  const removed = b.filter((x) => !a.some((y) => jsonEqual(x, y)));
  // Dropping the whole union removes a restriction (absent = anything); dropping allOf too.
  if (av === undefined) return widen(out, `- ${p}`);
  if (bv === undefined) return narrow(out, `+ ${p} (${a.length} branches)`);
  const addText = `+ ${p} ${added.length} branch(es) ${shortJson(added)}`;
  const removeText = `- ${p} ${removed.length} branch(es) ${shortJson(removed)}`;
  if (added.length > 0) {
    if (mode === 'union') widen(out, addText);
    else narrow(out, addText);
  }
  if (removed.length > 0) {
    if (mode === 'union') narrow(out, removeText);
    else widen(out, removeText);
  }
}

function compareText(k: string, bv: unknown, av: unknown, path: string, out: Out, grade: Grade): void {
  if (jsonEqual(bv, av)) return;
  const p = joinPath(path, k);
  if ((typeof bv === 'string' || bv === undefined) && (typeof av === 'string' || av === undefined)) {
    for (const line of describeTextChange(p, bv, av)) neutral(out, line, grade);
    return;
  }
  neutral(out, `~ ${p} ${shortJson(bv)} → ${shortJson(av)}`, grade);
}
