import { createHash } from 'node:crypto';
import { severityRank, type IncidentAlertRef, type IncidentView } from '@driftwatch/core';
import { clip, jsonBytes, visible } from './text.js';

/** The incident's alerts, most severe first (then newest): what survives when a payload must shrink. */
export function alertsBySeverity(incident: IncidentView): IncidentAlertRef[] {
  return [...incident.alerts].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || b.time.localeCompare(a.time));
}

/**
 * `value` if its JSON fits in `maxBytes`; otherwise a marker with its size, its SHA-256 and the
 * head of its JSON, so the receiver still sees that something was there and can match it with
 * the record in the API.
 */
export function boundValue(value: unknown, maxBytes: number): unknown {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value) ?? 'null';
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= maxBytes) return value;
  const sha256 = createHash('sha256').update(json).digest('hex');
  const head = Math.max(0, Math.min(2000, Math.floor(maxBytes / 2) - 200));
  return head > 0 ? { truncated: true, bytes, sha256, head: clip(json, head) } : { truncated: true, bytes, sha256 };
}

/** How much of the incident a payload carries; the first rung that fits is used. */
export interface Budget {
  /** Largest JSON kept per alert evidence (0: evidence dropped). */
  evidenceBytes: number;
  /** Longest explanation / remediation text kept per alert. */
  textChars: number;
  /** Alerts kept, most severe first (the rest are counted). */
  maxAlerts: number;
}

export const BUDGETS: readonly Budget[] = [
  { evidenceBytes: 64 * 1024, textChars: 8192, maxAlerts: 100 },
  { evidenceBytes: 8 * 1024, textChars: 2048, maxAlerts: 100 },
  { evidenceBytes: 1024, textChars: 512, maxAlerts: 50 },
  { evidenceBytes: 0, textChars: 256, maxAlerts: 20 },
  { evidenceBytes: 0, textChars: 0, maxAlerts: 5 },
  { evidenceBytes: 0, textChars: 0, maxAlerts: 0 },
];

/** Builds with each budget in turn and returns the first result whose JSON fits in `maxBytes`. */
export function fitToBytes<T>(build: (budget: Budget) => T, maxBytes: number): { value: T; bytes: number; budget: Budget } {
  let last: { value: T; bytes: number; budget: Budget } | undefined;
  for (const budget of BUDGETS) {
    const value = build(budget);
    const bytes = jsonBytes(value);
    last = { value, bytes, budget };
    if (bytes <= maxBytes) return last;
  }
  return last!;
}

/** One alert as the payloads carry it, within a budget. */
export function alertDetails(alert: IncidentAlertRef, budget: Budget): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: alert.id,
    kind: alert.kind,
    subject: alert.subject,
    severity: alert.severity,
    status: alert.status,
    summary: alert.summary,
    time: alert.time,
  };
  if (budget.textChars > 0 && alert.explanation) out.explanation = clip(alert.explanation, budget.textChars);
  if (budget.textChars > 0 && alert.remediation) out.remediation = clip(alert.remediation, budget.textChars);
  if (budget.evidenceBytes > 0 && alert.evidence !== undefined) out.evidence = boundValue(alert.evidence, budget.evidenceBytes);
  return out;
}

/**
 * A human-readable excerpt of an alert's evidence: the matched span for content findings, or
 * before/after for changes, with invisible characters made visible (`<U+200B>`), bounded.
 */
export function evidenceExcerpt(alert: IncidentAlertRef, maxChars: number): string | undefined {
  const e = alert.evidence;
  if (e === undefined || e === null) return undefined;
  const lines: string[] = [];
  if (typeof e === 'object' && !Array.isArray(e)) {
    const ev = e as { before?: unknown; after?: unknown; span?: { field?: unknown; excerpt?: unknown } };
    if (ev.span && typeof ev.span.excerpt === 'string') {
      lines.push(`${typeof ev.span.field === 'string' ? ev.span.field : 'text'}: ${ev.span.excerpt}`);
    }
    if ('before' in ev) lines.push(`- before: ${show(ev.before)}`);
    if ('after' in ev) lines.push(`+ after:  ${show(ev.after)}`);
  }
  if (lines.length === 0) lines.push(show(e));
  return clip(visible(lines.join('\n')), maxChars);
}

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return clip(value, 4000);
  return clip(JSON.stringify(value) ?? String(value), 4000);
}
