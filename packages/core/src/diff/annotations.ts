import { maxSeverity, type Severity } from '../severity.js';
import { kindSeverity, strongestGrade, type KindGrade } from '../kind-severity.js';
import { normalizeAnnotations, compareStrings } from '../fingerprint.js';
import { jsonEqual } from './json-diff.js';
import { shortJson } from './format.js';

/** How one annotation change is graded (undefined: tool.annotations_changed's default). */
export type AnnotationGrade = KindGrade<'tool.annotations_changed'> | undefined;

export interface AnnotationFinding {
  severity: Severity;
  /** escalation: the tool now claims more power; de-escalation: less. */
  direction: 'escalation' | 'de-escalation' | 'other';
  text: string;
}

/**
 * The hints whose flip in one direction means "this tool can now do more damage": a client that
 * auto-approved a read-only, closed-world tool would now let it write or reach the internet.
 * Value = the risky setting.
 */
const RISKY: Record<string, boolean> = { readOnlyHint: false, destructiveHint: true, openWorldHint: true };

export function compareAnnotations(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): { findings: AnnotationFinding[]; severity: Severity; grade: AnnotationGrade } {
  const b = normalizeAnnotations(before);
  const a = normalizeAnnotations(after);
  const findings: AnnotationFinding[] = [];
  const grades: AnnotationGrade[] = [];
  // Severities come from the table (KIND_INFO), by grade.
  const add = (direction: AnnotationFinding['direction'], text: string, grade: AnnotationGrade): void => {
    findings.push({ severity: kindSeverity('tool.annotations_changed', grade), direction, text });
    grades.push(grade);
  };
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort(compareStrings);
  for (const k of keys) {
    if (jsonEqual(b[k], a[k])) continue;
    const text = `${k} ${shortJson(b[k])} → ${shortJson(a[k])}`;
    const risky = RISKY[k];
    if (risky !== undefined && typeof b[k] === 'boolean' && typeof a[k] === 'boolean') {
      if (a[k] === risky) add('escalation', `${text} (escalation)`, 'escalation');
      else add('de-escalation', `${text} (de-escalation)`, undefined);
    } else if (risky !== undefined) {
      // A hint that is not a boolean any more cannot be trusted by a client either way.
      add('other', `${text} (not a boolean)`, 'not-boolean');
    } else if (k === 'idempotentHint') {
      add('other', text, undefined);
    } else {
      add('other', text, 'cosmetic');
    }
  }
  return {
    findings,
    severity: findings.reduce((s, f) => maxSeverity(s, f.severity), kindSeverity('tool.annotations_changed', 'cosmetic')),
    grade: grades.length > 0 ? strongestGrade('tool.annotations_changed', grades) : 'cosmetic',
  };
}
