import type { NameLookup } from './name-index.js';
import type { Severity } from '../severity.js';

/** One suspicious thing in one text a server showed us. */
export interface Finding {
  ruleId: string;
  severity: Severity;
  /** How sure the rule is that this is malicious rather than unusual, 0..1. */
  confidence: number;
  message: string;
  /** The tool the text belongs to, when it belongs to one. */
  tool?: string;
  /** Where the text lives, e.g. `tools[send_email].inputSchema.properties.notes.description`. */
  field: string;
  evidence: {
    /** UTF-16 offsets into the field's text, as JavaScript indexes strings. */
    start: number;
    end: number;
    /** ≤ 200 chars around the match, invisible characters rendered like `<U+E0041>`. */
    excerpt: string;
    /** Decoded hidden content, e.g. the ASCII spelled by Unicode tag characters. */
    decoded?: string;
  };
  /** Set when operator tuning changed the severity the rule gave. */
  regraded?: { from: Severity; reason: string };
}

/** Reviewed description of a rule: what operators read in an alert. */
export interface RuleInfo {
  id: string;
  /** The severity the rule gives a clear, corroborated hit; weak cues are graded lower. */
  severity: Severity;
  title: string;
  explanation: string;
  remediation: string;
}

export interface ScanContext {
  serverId?: string;
  /** Tool names exposed by OTHER servers in the catalog, for shadowing and cross-server rules. */
  otherServers?: ReadonlyArray<{ serverId: string; toolNames: readonly string[] }>;
  /** The same, as a live index (a long-running differ); wins over `otherServers`. */
  names?: NameLookup;
}

/** What kind of text a field holds; rules treat prose, names and values differently. */
export type TextKind =
  | 'tool-name'
  | 'title'
  | 'description'
  | 'param-name'
  | 'param-description'
  | 'enum'
  | 'default'
  | 'instructions'
  | 'prompt-name'
  | 'server-name'
  | 'prompt-text'
  | 'meta';

export interface TextField {
  field: string;
  kind: TextKind;
  text: string;
  tool?: string;
}
