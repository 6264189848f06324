export type { Finding, RuleInfo, ScanContext, TextField, TextKind } from './types.js';
export { RULES, RULE_IDS, ruleInfo, type RuleId } from './catalog.js';
export { scanObservation, scanServerText, scanTool, scanTools } from './scan.js';
export { RuleTuning, SuppressionRule, RegradeRule, applyTuning, type SuppressedFinding } from './tuning.js';
export { renderVisible } from './unicode.js';
export { ToolNameIndex, changedKeys, lookupOf, recordLookups, type NameLookup, type NamedTool } from './name-index.js';
