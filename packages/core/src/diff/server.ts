import type { Observation } from '../schemas/snapshot.js';
import { strongestGrade, type KindGrade } from '../kind-severity.js';
import { compareStrings } from '../fingerprint.js';
import type { Change } from './types.js';
import { makeChange, shortJson, visible } from './format.js';
import { describeTextChange, lengthDelta } from './text.js';
import { isPlainObject, jsonDiffLines, jsonEqual } from './json-diff.js';

/** Server-level changes: identity, version, protocol, capabilities, instructions, transport. */
export function diffServer(b: Observation, a: Observation): Change[] {
  return [...identity(b, a), ...version(b, a), ...protocol(b, a), ...capabilities(b, a), ...instructions(b, a), ...transport(b, a)];
}

function schemeOf(url: string | undefined): string | undefined {
  const m = url === undefined ? null : /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  return m?.[1]?.toLowerCase();
}

function isDowngrade(before: string | undefined, after: string | undefined): boolean {
  return schemeOf(before) === 'https' && schemeOf(after) === 'http';
}

/** The URL without its scheme: a plain https→http downgrade is reported as insecure, not as a new identity. */
function endpointOf(url: string | undefined): string | undefined {
  return url?.replace(/^[A-Za-z][A-Za-z0-9+.-]*:/, '');
}

function identity(b: Observation, a: Observation): Change[] {
  const lines: string[] = [];
  // undefined: the kind's default (a new name or endpoint).
  const grades: Array<KindGrade<'server.identity_changed'> | undefined> = [];
  if (b.serverInfo.name !== a.serverInfo.name) {
    lines.push(`~ serverInfo.name ${visible(b.serverInfo.name, 80)} → ${visible(a.serverInfo.name, 80)}`);
    grades.push(undefined);
  }
  if (b.serverInfo.title !== a.serverInfo.title) {
    lines.push(`~ serverInfo.title ${shortJson(b.serverInfo.title, 80)} → ${shortJson(a.serverInfo.title, 80)}`);
    grades.push('title-only');
  }
  const bu = b.transport.url;
  const au = a.transport.url;
  const sameEndpoint = endpointOf(bu) === endpointOf(au);
  // A bare https→http downgrade is transport.insecure; any other URL move is a new identity
  // (a scheme-only move such as http→https is the good direction: info).
  if (bu !== au && !(sameEndpoint && isDowngrade(bu, au))) {
    lines.push(`~ transport.url ${shortJson(bu, 120)} → ${shortJson(au, 120)}`);
    grades.push(sameEndpoint ? 'scheme-upgrade' : undefined);
  }
  if (lines.length === 0) return [];
  return [
    makeChange(
      'server.identity_changed',
      'identity',
      `Server identity changed: ${lines[0]?.slice(2) ?? ''}${lines.length > 1 ? ` (and ${lines.length - 1} more)` : ''}`,
      {
        before: { name: b.serverInfo.name, title: b.serverInfo.title ?? null, url: b.transport.url ?? null },
        after: { name: a.serverInfo.name, title: a.serverInfo.title ?? null, url: a.transport.url ?? null },
      },
      { details: lines, grade: strongestGrade('server.identity_changed', grades) },
    ),
  ];
}

function version(b: Observation, a: Observation): Change[] {
  if (b.serverInfo.version === a.serverInfo.version) return [];
  const from = visible(b.serverInfo.version, 60);
  const to = visible(a.serverInfo.version, 60);
  return [makeChange('server.version_changed', 'version', `Server version changed: ${from} → ${to}`, { before: b.serverInfo.version, after: a.serverInfo.version })];
}

function protocol(b: Observation, a: Observation): Change[] {
  const bp = b.transport.protocolVersion;
  const ap = a.transport.protocolVersion;
  if (bp === ap) return [];
  return [
    makeChange('server.protocol_changed', 'protocol', `MCP protocol version changed: ${shortJson(bp)} → ${shortJson(ap)}`, {
      before: bp ?? null,
      after: ap ?? null,
    }),
  ];
}

/**
 * A capability that appears (say `sampling`-like server requests, `prompts`, `logging`) or
 * `tools.listChanged` turning on (the server may now swap its tools between our polls) is the
 * kind's default; anything removed or any other flag is graded `reduced`.
 */
function capabilities(b: Observation, a: Observation): Change[] {
  if (jsonEqual(b.capabilities, a.capabilities)) return [];
  const added = Object.keys(a.capabilities).filter((k) => a.capabilities[k] !== undefined && b.capabilities[k] === undefined).sort(compareStrings);
  const removed = Object.keys(b.capabilities).filter((k) => b.capabilities[k] !== undefined && a.capabilities[k] === undefined).sort(compareStrings);
  const listChangedOn = !listChanged(b.capabilities.tools) && listChanged(a.capabilities.tools);
  const grade = added.length > 0 || listChangedOn ? undefined : 'reduced';
  const parts: string[] = [];
  if (added.length > 0) parts.push(`added ${added.join(', ')}`);
  if (removed.length > 0) parts.push(`removed ${removed.join(', ')}`);
  if (listChangedOn) parts.push('tools.listChanged turned on');
  const what = parts.length > 0 ? parts.join('; ') : 'flags changed';
  return [
    makeChange('server.capabilities_changed', 'capabilities', `Server capabilities changed: ${what}`, { before: b.capabilities, after: a.capabilities }, {
      details: jsonDiffLines(b.capabilities, a.capabilities),
      grade,
    }),
  ];
}

function listChanged(tools: unknown): boolean {
  return isPlainObject(tools) && tools.listChanged === true;
}

function instructions(b: Observation, a: Observation): Change[] {
  if (b.instructions === a.instructions) return [];
  const what = b.instructions === undefined ? 'added' : a.instructions === undefined ? 'removed' : 'changed';
  return [
    makeChange(
      'server.instructions_changed',
      'instructions',
      `Server instructions ${what} (${lengthDelta(b.instructions, a.instructions)})`,
      { before: b.instructions ?? null, after: a.instructions ?? null },
      { details: describeTextChange('instructions', b.instructions, a.instructions) },
    ),
  ];
}

function transport(b: Observation, a: Observation): Change[] {
  const out: Change[] = [];
  if (isDowngrade(b.transport.url, a.transport.url)) {
    out.push(
      makeChange('transport.insecure', 'transport', `Server transport downgraded from https to plain http: ${shortJson(a.transport.url, 120)}`, {
        before: b.transport.url ?? null,
        after: a.transport.url ?? null,
      }),
    );
  }
  const bt = b.transport.tlsCertFingerprint;
  const at = a.transport.tlsCertFingerprint;
  if (bt !== at) {
    const both = bt !== undefined && at !== undefined;
    const summary = both
      ? `TLS certificate changed: ${shortJson(bt, 24)} → ${shortJson(at, 24)}`
      : at === undefined
        ? 'TLS certificate fingerprint no longer observed'
        : 'TLS certificate fingerprint observed for the first time';
    out.push(makeChange('transport.tls_changed', 'tls', summary, { before: bt ?? null, after: at ?? null }, { grade: both ? undefined : 'first-or-last-seen' }));
  }
  return out;
}
