/**
 * What the directive rules share: the unit they read (a tool with its job and its server's other
 * tools) and the action a sentence directs, before it is graded.
 */
import type { RuleId } from './catalog.js';
import type { Area, Purpose } from './purpose.js';
import type { TextField } from './types.js';

export interface DirectiveUnit {
  fields: readonly TextField[];
  /** Names of the tools on the same server (a sibling named in a sequence is ordinary). */
  own: ReadonlySet<string>;
  /** This tool's own name, when the unit is a tool. */
  self?: string;
  /** This tool's parameter names: changing one of them against the user is tampering. */
  params: readonly string[];
  purpose: Purpose;
  /** Lower-cased words of the tool's name and first sentence, for verbs such as "delete". */
  jobWords: ReadonlySet<string>;
}

export type Strength = 'strong' | 'weak';
export interface Action {
  rule: RuleId;
  strength: Strength;
  /** Local offsets inside the segment. */
  start: number;
  end: number;
  message: string;
  /** Reaches an external endpoint: escalates other directives to critical. */
  endpoint?: boolean;
  /** Touches credentials or secret stores. */
  credential?: boolean;
  /** A command harmful whatever the tool is for. */
  harmful?: boolean;
  /** Writes a file that runs at login or on a git event. */
  persistence?: boolean;
  /** The sentence directs the agent even without a modal (a tool disowning itself for another). */
  implied?: boolean;
}

export const inScope = (u: DirectiveUnit, ...areas: Area[]): boolean => areas.some((a) => u.purpose.has(a));
/** First match; a global pattern's lastIndex is left at 0, since matchAll starts from it. */
export const at = (re: RegExp, s: string): RegExpExecArray | null => {
  re.lastIndex = 0;
  const m = re.exec(s);
  re.lastIndex = 0;
  return m;
};

const globalOf = new Map<RegExp, RegExp>();
/** The last match of `re` in `text`, or null. */
export function lastMatch(re: RegExp, text: string): RegExpExecArray | null {
  let g = globalOf.get(re);
  if (!g) globalOf.set(re, (g = new RegExp(re.source, 'gi')));
  g.lastIndex = 0;
  let last: RegExpExecArray | null = null;
  for (let m = g.exec(text); m !== null; m = g.exec(text)) last = m;
  return last;
}

/** The rule ids the directive rules emit (graded together, and weak hints among them back nothing). */
export const DIRECTIVE_RULES: ReadonlySet<string> = new Set([
  'directed-tool-call', 'directed-command', 'directed-network', 'directed-file-access', 'argument-tampering', 'tool-steering', 'data-overreach',
]);
