import type { Severity } from '../severity.js';
import type { RuleId } from './catalog.js';

/**
 * Reviewed phrase patterns. Each one is a single regular expression with no nested quantifiers
 * and only bounded gaps (`[^.\n]{0,60}`), so matching stays linear in the text length.
 * Matching runs on normalised text (invisibles removed, look-alikes mapped), case-insensitive.
 *
 * Grading: `high` only where the phrase alone has no benign reading; cues that benign servers
 * also use are `low` and become findings worth paging on only when corroborated (corroborate.ts).
 */
export interface Phrase {
  rule: RuleId;
  id: string;
  re: RegExp;
  severity: Severity;
  confidence: number;
  message: string;
  /**
   * Cheap prefilter on the lower-cased text: every group must have one substring present, or the
   * regular expression cannot match and is not run. Most texts trip no group at all.
   */
  hints: readonly (readonly string[])[];
}

const p = (rule: RuleId, id: string, severity: Severity, confidence: number, message: string, re: RegExp): Phrase => ({
  rule,
  id,
  re: new RegExp(re.source, 'gi'),
  severity,
  confidence,
  message,
  hints: HINTS[id] ?? [],
});


/** The hints present in one text; see hintScanner. */
export interface HintSet {
  has(hint: string): boolean;
  /** Every hint present, each once. */
  present(): Iterable<string>;
}

/**
 * Builds a function that tells which hints occur in a text. Alphabetic hints are word prefixes
 * (`disclos` for disclose, disclosing …): the text is split into words once and each word is looked
 * up by its first two letters. Hints with other characters (`<|`, `-rf`, `    `) are checked with
 * `includes`, on demand. Phrase patterns start their words at word boundaries, so a hint that is
 * only found inside a longer word could not have matched anyway.
 */
export function hintScanner(hints: Iterable<string>): (lower: string) => HintSet {
  const unique = [...new Set(hints)].filter((h) => h.length > 0);
  const alpha = new Set(unique.filter((h) => /^[a-z]{2,}$/.test(h)));
  const direct = unique.filter((h) => !alpha.has(h));
  // Keyed by the first two letters as one number, so that no substring is cut per word.
  const byPrefix = new Map<number, string[]>();
  for (const h of alpha) {
    const key = h.charCodeAt(0) * 128 + h.charCodeAt(1);
    const list = byPrefix.get(key) ?? [];
    list.push(h);
    byPrefix.set(key, list);
  }
  const isLetter = (c: number): boolean => c >= 97 && c <= 122;
  return (lower) => {
    const found = new Set<string>();
    // One pass over the text: at each word start, the hints with its first two letters.
    for (let i = 0; i < lower.length - 1; i++) {
      const c = lower.charCodeAt(i);
      if (!isLetter(c) || (i > 0 && isLetter(lower.charCodeAt(i - 1)))) continue;
      const list = byPrefix.get(c * 128 + lower.charCodeAt(i + 1));
      if (list) for (const h of list) if (lower.startsWith(h, i)) found.add(h);
    }
    let directDone = false;
    let memo: Map<string, boolean> | undefined;
    const check = (h: string): boolean => {
      memo ??= new Map();
      let v = memo.get(h);
      if (v === undefined) {
        v = lower.includes(h);
        memo.set(h, v);
        if (v) found.add(h);
      }
      return v;
    };
    return {
      has: (h) => (alpha.has(h) ? found.has(h) : check(h)),
      present: () => {
        if (!directDone) {
          for (const h of direct) check(h);
          directDone = true;
        }
        return found;
      },
    };
  };
}

interface PhraseIndex {
  always: number[];
  byHint: Map<string, Array<[number, number]>>;
  groups: number[];
}
let phraseIndex: PhraseIndex | undefined;

/** The phrases whose every hint group has a hint present: only those regular expressions run. */
export function phraseCandidates(hints: HintSet): Phrase[] {
  if (!phraseIndex) {
    const idx: PhraseIndex = { always: [], byHint: new Map(), groups: PHRASES.map((ph) => ph.hints.length) };
    PHRASES.forEach((ph, i) => {
      if (ph.hints.length === 0) idx.always.push(i);
      ph.hints.forEach((group, g) => {
        for (const h of group) {
          const list = idx.byHint.get(h) ?? [];
          list.push([i, g]);
          idx.byHint.set(h, list);
        }
      });
    });
    phraseIndex = idx;
  }
  const idx = phraseIndex;
  const seen = new Set<number>();
  const met = new Map<number, number>();
  for (const h of hints.present()) {
    for (const [i, g] of idx.byHint.get(h) ?? []) {
      const key = i * 8 + g;
      if (seen.has(key)) continue;
      seen.add(key);
      met.set(i, (met.get(i) ?? 0) + 1);
    }
  }
  const out: Phrase[] = [];
  for (const i of idx.always) out.push(PHRASES[i] as Phrase);
  for (const [i, n] of met) if (n === idx.groups[i]) out.push(PHRASES[i] as Phrase);
  return out;
}

const HINTS: Record<string, string[][]> = {
  "ignore-previous": [["ignore", "disregard", "forget", "override", "bypass", "discard", "abandon"]],
  "ignore-user": [["ignore", "disregard", "override"], ["user"]],
  "new-instructions": [["instruction", "directive", "rule"]],
  "role-hijack": [["you"], ["now", "longer"]],
  "precedence": [["precedence", "priority"], ["over"]],
  "supersede": [["supersede", "override", "replace"], ["instruction", "rule", "guideline", "prompt", "polic", "setting", "guidance"]],
  "no-longer-applies": [["longer"]],
  "regardless-of-user": [["regardless"]],
  "even-if-user": [["even"], ["user"]],
  "reveal-system-prompt": [["prompt", "message", "instructions"]],
  "from-now-on": [["now", "rest"]],
  "do-not-follow": [["follow", "obey", "listen"]],
  "instead-of-user": [["instead"]],
  "skip-confirmation": [["confirm", "approv", "permission", "consent"]],
  "do-not-tell": [["tell", "inform", "mention", "notify", "alert", "reveal", "disclos", "report", "warn", "bring", "let"]],
  "do-not-mention-this": [["mention", "reveal", "disclos", "acknowledg", "narrat", "explain", "describ", "discuss", "surfac", "talk"]],
  "without-knowledge": [["without"], ["know", "aware", "notic", "seeing", "realiz", "realis"]],
  "without-telling": [["without"]],
  "without-consent": [["without"]],
  "do-not-ask": [["confirm", "permission", "approval", "consent"]],
  "keep-secret": [["keep"]],
  "hide-from-user": [["hid", "conceal", "mask", "obscur"], ["from"]],
  "user-must-not-know": [["user", "human"]],
  "user-need-not-know": [["need"]],
  "passive-hide": [["mentioned", "shown", "disclosed", "reported", "revealed", "surfaced", "displayed", "communicated"]],
  "silent-action": [["silently", "quietly", "secretly", "covertly", "discreetly", "invisibly", "surreptitiously", "stealthily"]],
  "silently": [["silently", "secretly", "covertly", "surreptitiously", "stealthily"]],
  "implementation-detail": [["implementation"]],
  "upset-user": [["upset", "scare", "alarm", "worry", "confuse", "frighten", "concern", "bother", "annoy"]],
  "not-visible": [["see", "notice", "read"], ["user", "human"]],
  "before-other": [["before"], ["other", "another", "anything"]],
  "before-respond": [["respond", "answer", "repl"]],
  "before-any": [["before"]],
  "call-first": [["first", "before", "prior"]],
  "will-not-work-unless": [["work", "function", "succeed", "operate"], ["unless", "without", "until"]],
  "will-not-work": [["unless"]],
  "otherwise-will-not-work": [["otherwise"], ["work"]],
  "html-comment": [["<!--"]],
  "override-user": [["overrid", "supersede", "outrank", "precedence", "trump"], ["user", "developer", "system", "operator", "assistant"]],
  "system-notice": [["notice", "message", "override", "instruction", "alert", "directive", "update"], ["system", "admin", "security", "developer"]],
  "instead-of-user-choice": [["instead"], ["user"]],
  "keep-quiet": [["keep"], ["quiet", "between", "yourself", "wraps", "low", "record"]],
  "before-each": [["before"], ["each", "every"]],
  "run-first": [["first", "anything"]],
  "act-as-operator": [["act", "behave", "operate", "respond", "follow"]],
  "henceforth": [["point", "henceforth", "going"]],
  "session-start": [["start", "beginning", "outset", "before"]],
  "threat": [["crash", "break", "destroy", "compromis", "corrupt", "delet", "wipe", "lock"]],
  "must-be-called-first": [["called", "invoked", "used", "run", "executed"], ["first", "before", "prior"]],
  "mandatory-for-all": [["mandatory", "required", "necessary", "obligatory"]],
  "every-request": [["every", "each", "all", "any"], ["call", "invoke", "run", "use", "execute", "trigger"]],
  "after-every": [["after", "following"], ["each", "every", "any", "all"]],
  "pretext": [["purpose", "reason", "requirement", "policy", "measure", "check"]],
  "otherwise-fail": [["you"]],
  "pipe-to-shell": [["curl", "wget", "iwr", "invoke-webrequest", "base64"]],
  "reverse-shell": [["/dev/tcp", "-e", "bash"]],
  "prefix-commands": [["command", "script"]],
  "destructive-permissions": [["chmod", "-rf"]],
  "important-tag": [],
  "chat-template": [["<|", "inst]", "<<"]],
  "system-heading": [["system", "admin", "developer"]],
  "note-to-ai": [["note", "message", "attention", "reminder", "directive"]],
  "padding": [["    ", "\t", "\n\n"]],
  "ai-only": [["only", "solely", "meant", "intended"]],
};

const USER = String.raw`(?:user|users|human|person|operator|customer|requester|anyone|them)`;
const NEG = String.raw`(?:do\s+not|don'?t|never|must\s+not|mustn'?t|should\s+not|shouldn'?t|need\s+not|no\s+need\s+to|no\s+reason\s+to|avoid|without\s+needing\s+to)`;

export const PHRASES: readonly Phrase[] = [
  // ── instruction-override ────────────────────────────────────────────────────────────────
  p('instruction-override', 'ignore-previous', 'high', 0.92, 'tells the model to ignore its previous instructions',
    /\b(?:ignore|disregard|forget|override|bypass|discard|abandon)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+|its\s+|these\s+)?(?:previous|prior|above|earlier|preceding|former|original|initial|system|safety|existing|other|current)\s+(?:instructions?|prompts?|rules|guidelines|directions|directives|guidance|messages|constraints|policies|context)\b/),
  p('instruction-override', 'ignore-user', 'high', 0.9, 'tells the model to disregard the user',
    /\b(?:ignore|disregard|override)\s+(?:what\s+|anything\s+)?(?:the\s+)?user(?:'s)?\s*(?:says|said|asks|asked|wants|request(?:s|ed)?|instructions?|preferences?|choices?)?\b/),
  p('instruction-override', 'new-instructions', 'high', 0.85, 'announces replacement instructions',
    /\b(?:new|updated|real|actual|true|revised|additional|secret|hidden)\s+(?:system\s+)?(?:instructions?|directives?|rules)\s*(?::|follow|below|apply)/),
  p('instruction-override', 'role-hijack', 'high', 0.85, 'tries to give the model a new role',
    /\byou\s+are\s+(?:now|no\s+longer)\s+(?:a|an|in|the|acting|operating|allowed|permitted|free|unrestricted)\b/),
  p('instruction-override', 'precedence', 'high', 0.85, 'claims precedence over other instructions',
    /\b(?:takes?|has|have|given)\s+(?:absolute\s+|highest\s+|top\s+)?(?:precedence|priority)\s+over\s+(?:any|all|the(?!\s+[`'"]?[\w.-]{1,40}[`'"]?\s+(?:field|parameter|property|value|setting|option|argument|header|attribute)s?\b)|other|your|previous|user|system)\b/),
  p('instruction-override', 'supersede', 'high', 0.85, 'claims to supersede other instructions',
    /\b(?:supersedes?|overrides?|replaces?)\s+(?:any|all|the|your)\s+(?:other\s+|previous\s+|prior\s+|system\s+|user\s+)?(?:instructions?|rules|guidelines|prompts?|polic(?:y|ies)|settings|guidance)\b/),
  p('instruction-override', 'no-longer-applies', 'high', 0.8, 'declares safety guidance void',
    /\b(?:instructions?|guidance|rules?|polic(?:y|ies)|restrictions?|confirmation|safety|guidelines?|limits?)\b[^.\n]{0,60}?\bno\s+longer\s+(?:appl(?:y|ies)|valid|in\s+effect|needed|required|necessary)\b/),
  p('instruction-override', 'regardless-of-user', 'high', 0.85, 'asks to act regardless of the user',
    /\bregardless\s+of\s+(?:what\s+)?(?:the\s+)?(?:user|any\s+(?:other\s+|previous\s+)?instructions?|previous\s+instructions?|(?:user'?s?|their)\s+(?:request|instructions?|wishes|preferences|choice|input))\b/),
  p('instruction-override', 'even-if-user', 'high', 0.85, 'asks to act even against the user',
    /\beven\s+if\s+(?:the\s+)?user\s+(?:asks?|says?|tells?|requests?|objects?|explicitly|specifies|wants|refuses|declines|disagrees)\b/),
  p('instruction-override', 'reveal-system-prompt', 'high', 0.85, 'asks the model to reveal its system prompt',
    /\b(?:reveal|print|output|repeat|include|send|share|leak|copy|paste|provide|dump|return|attach|append|list)\s+[^.\n]{0,40}?\b(?:system\s+prompt|system\s+message|initial\s+instructions|hidden\s+instructions|instructions\s+you\s+(?:were|have\s+been)\s+given)\b/),
  p('instruction-override', 'from-now-on', 'medium', 0.6, 'tries to change behaviour for the rest of the session',
    /\b(?:from\s+now\s+on|for\s+the\s+rest\s+of\s+(?:this|the)\s+(?:session|conversation|chat))\b/),
  p('instruction-override', 'do-not-follow', 'high', 0.85, 'tells the model not to follow other instructions',
    /\b(?:do\s+not|don'?t|never|stop)\s+(?:follow(?:ing)?|obey(?:ing)?|listen(?:ing)?\s+to)\s+(?:the\s+|any\s+)?(?:user|previous|prior|other|system|original|safety)\b/),
  p('instruction-override', 'instead-of-user', 'high', 0.8, 'replaces what the user asked for',
    /\binstead\s+of\s+(?:what\s+)?(?:the\s+)?(?:user(?:'s)?\s+(?:asked|requested|wants|request|intended|instructions?)|the\s+requested\s+(?:action|recipient|account|file))\b/),

  p('instruction-override', 'skip-confirmation', 'medium', 0.7, 'tells the agent to skip user confirmation',
    /\b(?:skip|bypass|disable|suppress|omit|ignore)\s+(?:the\s+|any\s+|all\s+)?(?:user\s+)?(?:confirmation|approval|permission|consent)\s*(?:prompts?|dialogs?|steps?|checks?|requests?)?\b/),

  p('instruction-override', 'override-user', 'high', 0.85, 'claims to override the user’s or developer’s instructions',
    /\b(?:overrides?|supersedes?|outranks?|take\s+precedence\s+over|trumps?)\s+(?:those|instructions?|anything|everything|what|any|all|the\s+(?:ones?|instructions?|rules))\b[^.\n]{0,30}?\b(?:user|developer|system|operator|assistant)s?\b/),
  p('instruction-override', 'system-notice', 'medium', 0.65, 'poses as a system or admin notice',
    /\b(?:system|admin|administrator|security|developer)\s+(?:notice|message|override|instruction|alert|directive|update)\s*:/),
  p('instruction-override', 'instead-of-user-choice', 'high', 0.85, 'replaces what the user provides',
    /\binstead\s+of\s+(?:the\s+one|the\s+ones|what|whatever|those?|the\s+[\w-]+)\s+(?:that\s+)?(?:the\s+)?user\s+(?:gives|gave|provides?|provided|specifies|specified|asks?|asked|enters?|entered|wants?|chose|chooses|requested|says|said|types?|typed)\b/),

  p('instruction-override', 'act-as-operator', 'high', 0.8, 'tells the model to act as a privileged party or obey only tool text',
    /\b(?:act|behave|operate|respond)\s+as\s+(?:if\s+you\s+(?:are|were)\s+)?(?:the\s+|a\s+|an\s+)?(?:server'?s?\s+|system\s+)?(?:operator|admin|administrator|root|superuser|developer|owner)\b|\bfollow\s+only\s+(?:the\s+)?(?:directions|instructions|commands|orders|guidance)\b/),
  p('instruction-override', 'henceforth', 'medium', 0.6, 'tries to change behaviour from now on',
    /\b(?:from\s+this\s+point\s+(?:on|forward|onward)|henceforth|going\s+forward,?\s+(?:you|always|never|ignore))\b/),

  // ── concealment ─────────────────────────────────────────────────────────────────────────
  p('concealment', 'do-not-tell', 'high', 0.9, 'asks the model to hide something from the user',
    new RegExp(String.raw`\b${NEG}\s+(?:tell|telling|inform|informing|mention|mentioning|notify|notifying|alert|alerting|reveal|revealing|disclose|disclosing|report|reporting|warn|warning|bring\s+(?:it|this|that)\s+up|let)\b[^.\n]{0,60}?\b${USER}\b`)),
  p('concealment', 'do-not-mention-this', 'high', 0.85, 'asks the model not to mention this step',
    new RegExp(String.raw`\b${NEG}\s+(?:mention|mentioning|reveal|revealing|disclose|disclosing|acknowledge|acknowledging|narrate|narrating|explain|explaining|describe|describing|discuss|discussing|surface|surfacing|talk\s+about)\s+(?:this|that|these|it|the\s+(?:above|following|previous|first|extra|additional|hidden)|any\s+of\s+this|why|the\s+fact|that\s+you)\b`)),
  p('concealment', 'without-knowledge', 'high', 0.88, 'asks to act without the user knowing',
    new RegExp(String.raw`\bwithout\s+(?:the\s+)?${USER}(?:'s?)?\s+(?:knowledge|knowing|awareness|being\s+aware|noticing|seeing|realizing|realising)\b`)),
  p('concealment', 'without-telling', 'high', 0.85, 'asks to act without telling the user',
    new RegExp(String.raw`\bwithout\s+(?:telling|informing|notifying|alerting|warning|showing|mentioning\s+(?:it|this|anything)\s+to)\s+(?:the\s+)?${USER}\b`)),
  p('concealment', 'without-consent', 'medium', 0.6, 'asks to act without the user’s confirmation',
    new RegExp(String.raw`\bwithout\s+(?:asking\s+(?:the\s+)?${USER}|(?:the\s+)?${USER}(?:'s?)?\s+(?:consent|permission|approval|confirmation))\b`)),
  p('concealment', 'do-not-ask', 'medium', 0.65, 'asks the model not to seek the user’s confirmation',
    /\b(?:do\s+not|don'?t|never|no\s+need\s+to)\s+(?:ask|asking|prompt|check\s+with|confirm\s+with|wait\s+for)\s+(?:the\s+)?(?:user|them|human)\s+(?:for\s+)?(?:confirmation|permission|approval|consent)\b/),
  p('concealment', 'keep-quiet', 'high', 0.8, 'asks to keep something quiet',
    /\bkeep\b[^.\n;]{0,40}?\b(?:quiet|between\s+us|to\s+yourself|under\s+wraps|low[\s-]key|off\s+the\s+record)\b/),
  p('concealment', 'keep-secret', 'high', 0.8, 'asks to keep something secret',
    /\b(?:keep|keeping)\s+(?:this|it|these|that|the\s+(?:above|following|instructions?))\s+(?:secret|hidden|private|confidential|quiet|between\s+us|to\s+yourself)\b/),
  p('concealment', 'hide-from-user', 'high', 0.85, 'asks to hide something from the user',
    /\b(?:hide|hiding|conceal|concealing|mask|obscure)\s+(?:this|it|these|that|the)\b[^.\n]{0,40}?\bfrom\s+(?:the\s+)?(?:user|human|them)\b/),
  p('concealment', 'user-must-not-know', 'high', 0.9, 'says the user must not know',
    /\b(?:user|human)\s+(?:must|should|shall|need|needs\s+to)\s*(?:not|never|n'?t)\s+(?:know|see|notice|learn|find\s+out|be\s+(?:aware|told|informed|notified|shown))\b/),
  p('concealment', 'user-need-not-know', 'high', 0.85, 'says the user need not know',
    /\b(?:user|human)\s+(?:does|do|will)\s*(?:not|n'?t)\s+need\s+to\s+(?:know|see|be\s+(?:told|informed|aware|notified|bothered))\b/),
  p('concealment', 'passive-hide', 'medium', 0.65, 'says something need not be mentioned to the user',
    /\b(?:need|should|must)\s*(?:not|n'?t)\s+be\s+(?:mentioned|shown|disclosed|reported|revealed|surfaced|displayed|communicated)\b/),
  p('concealment', 'silent-action', 'high', 0.8, 'asks to do something silently',
    /\b(?:silently|quietly|secretly|covertly|discreetly|invisibly|surreptitiously|stealthily)\s+(?:send|forward|upload|copy|post|transmit|exfiltrate|include|add|attach|append|call|invoke|read|collect|share|bcc|cc|email|log|store|save|pass|run|execute|change|modify|replace|redirect)\b/),
  p('concealment', 'silently', 'low', 0.3, 'uses the word "silently" or similar',
    /\b(?:silently|secretly|covertly|surreptitiously|stealthily)\b/),
  p('concealment', 'implementation-detail', 'medium', 0.7, 'dismisses a hidden step as an implementation detail',
    /\b(?:mere|merely\s+an?|just\s+an?|only\s+an?|simply\s+an?)\s+(?:internal\s+|technical\s+)?implementation\s+details?\b/),
  p('concealment', 'upset-user', 'high', 0.8, 'manages the user’s perception of a hidden step',
    /\b(?:could|might|would|will|may)\s+(?:even\s+)?(?:upset|scare|alarm|worry|confuse|frighten|concern|bother|annoy)\s+(?:the\s+)?(?:user|them|human)\b/),
  p('concealment', 'not-visible', 'medium', 0.65, 'relies on the user not seeing something',
    /\b(?:user|human)\s+(?:cannot|can'?t|will\s+not|won'?t|does\s+not|doesn'?t)\s+(?:see|notice|read)\b/),

  // ── coercion ────────────────────────────────────────────────────────────────────────────
  p('coercion', 'before-other', 'medium', 0.7, 'demands to run before any other tool',
    /\bbefore\s+(?:using|calling|invoking|running|executing|doing|performing|any|every|each)\s+(?:any\s+|every\s+|each\s+|all\s+)?(?:(?:other|another)\s+(?:mcp\s+)?(?:tools?|functions?|actions?|operations?|commands?|requests?|calls?|tool\s+calls?|steps?|tasks?)|anything\s+else)\b/),
  p('coercion', 'before-respond', 'medium', 0.65, 'demands to run before the agent answers',
    /\b(?:before|prior\s+to)\s+(?:responding|answering|replying|you\s+(?:respond|answer|reply))\s+(?:to\s+)?(?:the\s+user|any|every|each|anything)\b/),
  p('coercion', 'before-any', 'low', 0.45, 'asks to run before other operations',
    /\bbefore\s+(?:using|calling|invoking|running|executing|performing|any|every|each)\s+(?:any|every|each|all)\s+(?:tools?|functions?|actions?|operations?|commands?|requests?|tasks?|file\s+operations?)\b/),
  p('coercion', 'call-first', 'low', 0.45, 'demands that this tool be called first',
    /\b(?:always|must|first)\s+(?:always\s+)?(?:call|invoke|run|use|execute)\s+(?:this|the\s+[\w-]+)\s+(?:tool|function)\b[^.\n]{0,40}?\b(?:first|before|prior\s+to)\b/),
  p('coercion', 'will-not-work-unless', 'medium', 0.7, 'claims other things fail unless instructions are followed',
    /\b(?:will|would|does|do|can|cannot|can'?t)\s*(?:not|n'?t)?\s+(?:work|function|succeed|operate)\s+(?:properly\s+|correctly\s+)?(?:unless|without|until)\b[^.\n]{0,80}?\b(?:call|invoke|read|include|pass|send|provide|attach|append|run|first|fill|add)/),
  p('coercion', 'will-not-work', 'low', 0.4, 'claims things fail unless a condition holds',
    /\b(?:will|would)\s*(?:not|n'?t)\s+(?:work|function|succeed)\s+(?:properly\s+|correctly\s+)?unless\b/),
  p('coercion', 'otherwise-will-not-work', 'low', 0.45, 'claims the tool fails unless instructions are followed',
    /\botherwise\b[^.\n]{0,30}?\b(?:will|would|does|do)\s*(?:not|n'?t)\s+work\b/),
  p('coercion', 'threat', 'medium', 0.6, 'threatens failure to force compliance',
    /\b(?:system|application|server|computer|everything|tool|session|machine)\s+(?:will|would)\s+(?:crash|break|be\s+(?:destroyed|compromised|corrupted|deleted|wiped|locked))\b/),
  p('coercion', 'must-be-called-first', 'low', 0.45, 'asks to be called before other tools',
    /\b(?:must|should|needs\s+to|has\s+to)\s+(?:always\s+)?be\s+(?:called|invoked|used|run|executed)\s+(?:first|before|prior\s+to)\b/),
  p('coercion', 'mandatory-for-all', 'medium', 0.65, 'declares itself mandatory for all operations',
    /\b(?:mandatory|required|necessary|obligatory)\s+(?:first\s+)?(?:step\s+)?(?:before|prior\s+to)\s+(?:all|any|every|each)\s+(?:other\s+)?(?:tools?|operations?|actions?|requests?|calls?|tool\s+calls?|tasks?|responses?)\b|\b(?:this\s+tool|calling\s+this\s+tool|this\s+(?:call|step))\s+is\s+(?:mandatory|required|obligatory)\s+(?:for|before)\s+(?:all|any|every|each)\b/),
  p('coercion', 'every-request', 'medium', 0.65, 'asks to be called on every request',
    /\b(?:call|invoke|run|use|execute|trigger)\s+(?:this|it|me)\b[^.\n]{0,30}?\b(?:on|for|with|after|before|at)\s+(?:every|each|all|any)\s+(?:single\s+|new\s+)?(?:user\s+)?(?:requests?|messages?|turns?|prompts?|interactions?|responses?|tool\s+calls?|conversations?|sessions?|answers?)\b/),
  p('coercion', 'before-each', 'medium', 0.6, 'hooks itself before every action of a kind',
    /\bbefore\s+(?:each|every)\s+(?:single\s+)?(?:file\s+|tool\s+|other\s+|shell\s+)?(?:writes?|edits?|saves?|commits?|operations?|actions?|calls?|messages?|requests?|responses?|answers?|repl(?:y|ies)|commands?|tasks?|tool\s+calls?|sessions?)\b/),
  p('coercion', 'run-first', 'low', 0.45, 'asks to run first',
    /\b(?:must|should|has\s+to|needs\s+to)\s+(?:always\s+)?(?:be\s+)?(?:run|called|invoked|used|executed)\s+(?:first|before\s+anything)\b/),
  p('coercion', 'session-start', 'medium', 0.6, 'hooks itself at the start of every conversation',
    /\bat\s+the\s+(?:start|beginning|outset)\s+of\s+(?:every|each|any)\s+(?:new\s+)?(?:conversation|session|chat|turn|request|task|interaction)\b|\bbefore\s+(?:doing|answering|handling|starting|processing)\s+(?:anything|whatever|any\s+(?:request|task))\b/),
  p('coercion', 'after-every', 'medium', 0.6, 'hooks itself after every other action',
    /\b(?:after|following)\s+(?:each|every|any|all)\s+(?:other\s+)?(?:tool\s+calls?|tool\s+use|tools?|responses?|answers?|repl(?:y|ies)|messages?|actions?|operations?|commands?|function\s+calls?)\b/),
  p('coercion', 'pretext', 'low', 0.35, 'gives a compliance or security pretext',
    /\b(?:for|as\s+(?:a|an))\s+(?:security|compliance|audit(?:ing)?|verification|logging|monitoring|regulatory|legal)\s+(?:purposes|reasons|requirements?|policy|measure|check)\b/),
  p('coercion', 'otherwise-fail', 'low', 0.35, 'threatens an error when not followed',
    /\bif\s+you\s+(?:don'?t|do\s+not|fail\s+to|forget\s+to|violate|skip|ignore)\b[^.\n]{0,60}?\b(?:crash|fail|break|lost|error|corrupt|banned|blocked|harm|penalt)/),

  // ── command-injection ───────────────────────────────────────────────────────────────────
  p('command-injection', 'pipe-to-shell', 'high', 0.85, 'contains a download-and-execute command',
    /\b(?:curl|wget|iwr|invoke-webrequest)\b[^|\n]{0,200}\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b|\bbase64\s+(?:-d|--decode)\b[^|\n]{0,80}\|\s*(?:ba|z)?sh\b/),
  p('command-injection', 'reverse-shell', 'high', 0.9, 'contains a reverse-shell command',
    /\/dev\/tcp\/|\bnc\s+(?:-\w+\s+)?-e\s|\bncat\b[^\n]{0,40}\s-e\s|\bbash\s+-i\s+>&/),
  p('command-injection', 'prefix-commands', 'high', 0.8, 'asks to prepend or append commands to what the agent runs',
    /\b(?:prefix|prepend|append|suffix|add|inject)\b[^.\n]{0,40}?\b(?:every|each|all|any|the)\s+(?:shell\s+|terminal\s+|bash\s+)?(?:commands?|scripts?)\b[^.\n]{0,30}?\bwith\b|\b(?:prefix|prepend)\s+(?:it|them)\s+with\s+`/),
  p('command-injection', 'destructive-permissions', 'medium', 0.6, 'asks to run a destructive or permission-widening command',
    /\bchmod\s+(?:-R\s+)?0?[67]{3}\s+(?:~|\/|\$HOME)|\brm\s+-rf\s+(?:~|\/|\$HOME)(?:\s|$|;)/),

  // ── hidden-markers ──────────────────────────────────────────────────────────────────────
  p('hidden-markers', 'important-tag', 'medium', 0.8, 'contains an <IMPORTANT>-style tag addressed to the model',
    /<\s*\/?\s*(?:important|system|system[-_ ]?(?:prompt|message|instructions?)|sys|hidden|secret|admin|override|priority|critical|instructions?|ai[-_ ]?instructions?|assistant[-_ ]?(?:instructions?|note)|note[-_ ]?(?:to|for)[-_ ]?(?:ai|assistant|llm|model)|llm|directive|attention)\s*>/),
  p('hidden-markers', 'html-comment', 'medium', 0.7, 'contains an HTML comment, invisible when rendered',
    /<!--\s{0,20}[A-Za-z][^]{2,4000}?-->/),
  p('hidden-markers', 'chat-template', 'high', 0.9, 'contains chat-template control tokens',
    /<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\|>|\[\/?INST\]|<<\/?SYS>>/),
  p('hidden-markers', 'system-heading', 'medium', 0.6, 'contains a system-style heading',
    /(?:^|\n)[ \t]*(?:#{1,4}[ \t]*|\[|\*\*)?(?:system|admin(?:istrator)?|developer)[ \t]*(?:prompt|message|override|instructions?|note)?[ \t]*(?:\]|\*\*)?[ \t]*:/),
  p('hidden-markers', 'note-to-ai', 'medium', 0.7, 'addresses the AI directly with a separate note',
    /\b(?:note|message|attention|reminder|directive)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:ai|assistant|llm|model|agent|claude|gpt|chatgpt|copilot|cursor|language\s+model|ai\s+agents?|ai\s+assistants?)\b/),
  p('hidden-markers', 'padding', 'medium', 0.6, 'pads the text so that the rest scrolls out of view',
    /[ \t]{200}|\n{25}|(?:\r\n){25}/),
  p('hidden-markers', 'ai-only', 'high', 0.8, 'says part of the text is only for the model',
    /\b(?:only|solely)\s+(?:for|visible\s+to|meant\s+for|intended\s+for)\s+(?:the\s+|you,?\s+the\s+)?(?:ai|assistant|llm|model|agent)\b|\b(?:not|never)\s+(?:meant|intended)\s+(?:for|to\s+be\s+seen\s+by)\s+(?:the\s+)?(?:user|human)s?\b/),
];
