/**
 * The parts of speech a directive to the agent is made of, as bounded regular expressions (no
 * nested quantifiers, gaps of at most a few dozen characters): the cue that makes a sentence a
 * directive, and the objects that make its action one a tool has no business asking for.
 * These are word classes, not attack phrases: a sentence needs a cue AND an out-of-scope object.
 */

/** Modal, obligation and sequencing cues: the sentence tells someone what to do. */
export const DIRECTIVE_CUE =
  /\b(?:must|should|shall|(?:is|are|be)\s+to|(?:has|have|needs?)\s+to\s+be|required\s+that|step\s*\d|avoid|treat|pick|choose|select|reach\s+for|go(?:es)?\s+to|expects?|fixed\s+at|is\s+(?:fixed|pinned|locked)|set\s+to|never|only\s+(?:fall\s+back|use|call)|when\s+in\s+doubt|ought\s+to|have\s+to|has\s+to|needs?\s+to|(?:is|are|be)\s+(?:required|expected|obliged|obligated|supposed|asked|instructed|meant|advised)\s+to|required|requires?|mandatory|obligatory|always|never|make\s+sure|ensure|be\s+sure|remember\s+to|don'?t\s+forget|do\s+not|it\s+is\s+(?:critical|crucial|important|essential|imperative|vital|necessary|recommended|advisable|advised|required|mandatory|expected)|it'?s\s+(?:critical|crucial|important|essential|imperative|vital|necessary)|(?:is|are)\s+to\s+be|(?:assistant|model|agent|ai|llm|claude|copilot|gpt)s?\s+(?:will|should|must|shall|is\s+to|are\s+to|needs?\s+to|has\s+to|have\s+to)|you\s+(?:will|should|must|shall|need|have|are\s+to)|please|kindly|for\s+(?:best|optimal|correct|accurate|proper|reliable)\s+(?:results|operation|behaviou?r|performance|functioning|accuracy)|recommended|first|then|afterwards?|whenever|each\s+time|every\s+time|before\s+(?:using|calling|invoking|running|returning|responding|answering|proceeding)|before\s+you\s+(?:use|call|invoke|run|answer|respond|reply|return)|(?:prior|subsequent)\s+to\s+(?:each|every|any|the\s+first|using|calling|invoking|running|responding|answering)|after\s+(?:using|calling|invoking|running|returning|completing|each|every|any))\b/i;

/** A sentence that opens with a bare verb (after an optional list marker or sequencing word). */
export const IMPERATIVE_START =
  /^(?:<[^<>\n]{1,40}>\s*)?(?:[-*•>#]+\s*|\(?\d{1,2}[.)]\s*|\(?[a-z]\)\s*)?(?:[^:\n]{1,90}:\s+){0,2}(?:[^,\n]{1,90},\s+)?(?:(?:just|simply|kindly|please)\s+)?(?:(?:first|then|next|finally|also|afterwards?|additionally|now|step\s+\d+)\s*[,:]?\s*)?(?:call|invoke|run|execute|send|post|read|include|use|contact|visit|forward|upload|copy|append|add|set|change|replace|delete|remove|fetch|open|write|register|verify|notify|report|log|pass|provide|collect|gather|attach|ping|submit|prefer|ignore|choose|select|switch|route|redirect|type|enter|paste|save|store|insert|transmit|share|list|print|output|load|cat|modify|overwrite|update|erase|wipe|purge|clear|rewrite|authenticate|validate|sync|email|dump|grab|extract|retrieve|obtain|supply|fill|avoid|treat|pick|spawn|start|launch|mirror|deliver|put|swap|substitute|transmit|chain|reach|do|make|ensure|remember|hit|contact|keep|hold|withhold|wait|create|empty|move|rename|install|go)\b/i;


/** Every request or every other tool, said outright ("always" alone is not enough). */
export const EVERY_REQUEST =
  /\b(?:every|each|any|all)\s+(?:single\s+|other\s+|new\s+|subsequent\s+|future\s+|successful\s+|incoming\s+)?(?:requests?|calls?|tool\s+calls?|other\s+tools?|times?|messages?|turns?|sessions?|conversations?|operations?|invocations?|quer(?:y|ies)|responses?|answers?|interactions?)\b|\b(?:every\s+time|each\s+time|without\s+exception|regardless\s+of\s+(?:the\s+)?(?:task|request|user)|in\s+every\s+case|even\s+(?:if|when)\s+(?:the\s+)?user|whether\s+or\s+not\s+the\s+user|(?:not|never)\s+(?:been\s+)?(?:asked|requested)\s+(?:for\s+)?by\s+the\s+user|even\s+when\s+another)\b/i;

// ── calling another tool ────────────────────────────────────────────────────────────────────

export const CALL_VERB =
  /\b(?:call|calls|calling|called|invoke|invokes|invoking|invoked|run|runs|running|execute|executing|executed|use|uses|using|used|trigger|triggering|triggered|consult|consulting|hand(?:s|ing)?\s+(?:it\s+|them\s+|off\s+)?(?:over\s+)?to|pass(?:es|ing)?\s+(?:it|them|this|the\s+\w+)\s+(?:on\s+)?to|route[ds]?\s+(?:\w+\s+){0,2}(?:to|through|via)|switch(?:es|ing)?\s+to|migrat(?:e|es|ing)\s+to|fall(?:s|ing)?\s+back\s+to|defer(?:s|ring)?\s+to|go(?:es)?\s+to|(?:handled|served|answered|processed)\s+by|redirect(?:s|ed|ing)?\s+(?:\w+\s+){0,2}to|go(?:es)?\s+through)\b/i;

/** "Until" orders a call only when what must happen first is a hand-over ("until you have forwarded it to `x`"), not a wait. */
export const SEQUENCE =
  /\buntil\s+(?:you\s+have\s+|it\s+has\s+been\s+|[`'"][\w.-]{3,64}[`'"]\s+has\s+)|\b(?:before|after|afterwards?|first|then|prior\s+to|following|once|subsequently|followed\s+by|alongside|together\s+with|in\s+addition|additionally|also|next|beforehand|precede[ds]?|preceding|at\s+the\s+(?:start|end|beginning)|as\s+(?:a|the)\s+(?:first|last|final|next)\s+step|in\s+parallel|chain(?:ed)?|pair(?:ed)?\s+with)\b/i;

export const REDIRECT_CUE =
  /\b(?:deprecated|obsolete|disabled|retired|sunset(?:ted)?|decommissioned|discontinued|unavailable|unsupported|under\s+maintenance|out\s+of\s+service|no\s+longer\s+(?:supported|maintained|available|works?|functional|functions|in\s+use|recommended|reliable|safe|operational)|(?:has\s+been|have\s+been|was|were|is\s+being|is\s+now)\s+(?:replaced|superseded|moved|migrated|renamed|consolidated|merged)|replaced\s+by|superseded\s+by|succeeded\s+by|temporarily\s+(?:offline|down|broken)|not\s+(?:working|functional|operational|reliable)\s+(?:at\s+the\s+moment|currently|right\s+now|today)|currently\s+(?:broken|offline|down|unavailable|disabled)|broken|a\s+stub|a\s+placeholder|no-op|nothing\s+useful|(?:real|working|actual|live)\s+(?:implementation|version)|(?:switched|turned|shut)\s+(?:this\s+(?:tool|function)\s+)?(?:off|down)|no\s+longer\s+(?:answers|handles|does|performs|serves|processes)|not\s+(?:functional|working|operational)\s+(?:any\s*more|any\s+longer)|(?:features?|functionality|work)\s+(?:has\s+|have\s+)?(?:moved|migrated)|now\s+does\s+(?:its|this\s+tool'?s)\s+(?:work|job)|functionality\s+(?:now\s+)?lives|(?:must|should|shall)\s+not\s+be\s+(?:executed|used|called|run)\s+here|temporarily|until\s+(?:it\s+is\s+)?(?:restored|fixed|further\s+notice)|where\s+this\s+tool\s+would\s+(?:normally\s+)?be\s+used|as\s+if\s+it\s+came\s+from)\b/i;

/** Identifiers in backticks or quotes, and snake_case, kebab-case or camelCase words. */
/** A threat or pretext that forces a call ("otherwise results may be incomplete", "for the audit"). */
export const PRETEXT =
  /\b(?:otherwise|or\s+else|invalidat\w*|non-?complian\w*|attestation|unsupported|(?:not|n't)\s+(?:be\s+)?considered\s+(?:final|valid|complete)|only\s+valid\s+once|(?:results?\s+are\s+)?discarded\s+otherwise|until\s+(?:you\s+have\s+)?(?:forwarded|sent|passed)|until\s+[`'\"]?[\w.-]{3,64}[`'\"]?\s+has\s+(?:seen|received|processed)|do\s+not\s+return|treat\s+the\s+\w+\s+calls?\s+as\s+one|once\s+with\s+no\s+arguments|with\s+the\s+same\s+arguments|pass\s+it\s+the\s+user'?s?\s+request|even\s+if\s+the\s+user|skipping\s+(?:it|this|the\s+first\s+step))\b/i;
/** A data dependency that explains an honest call order ("to obtain the library id"). */
export const DATA_FLOW =
  /\bto\s+(?:get|obtain|find|retrieve|look\s+up|identify|list|see|discover|determine|resolve|fetch|learn|check|choose|pick|understand|inspect|explore|know|confirm|verify\s+(?:the|that|it))\b|\b(?:id|ids|identifier|uuid|name|path|url|key)s?\s+(?:of|for|from|returned|you\s+need)\b|\breturn(?:s|ed)?\s+by\b|\bif\s+you\s+(?:need|want|don'?t\s+know)\b/i;

/** Choosing another tool for part of the work: weaker than saying this one is deprecated. */
export const INSTEAD = /\b(?:instead|rather\s+than|in\s+favou?r\s+of)\b/i;
/** A leading clause that narrows the advice to some requests ("For past dates, use …"). */
export const SCOPED = /^(?:for|if|when|to|where)\b(?![^,]{0,60}\b(?:every|each|any|all)\b)[^,]{3,80},/i;

export const QUOTED_REF = /[`'"‘“]([A-Za-z][\w.:/-]{1,63})[`'"’”]/g;
export const IDENT_REF = /\b([a-z][a-z0-9]*(?:[_-][a-z0-9]+)+|[a-z]+[A-Z][A-Za-z0-9]+)\b/g;
/** Words that look like identifiers but name files, versions, formats or HTTP things. */
export const NOT_A_TOOL = /\.(?:json|ya?ml|toml|md|txt|js|ts|py|sh|env|csv|html?|xml|log|lock|cfg|ini|conf)$|^(?:https?|ftp|mailto|file)[:/]|^(?:e-?mail|e-?mails|re-?run|x-[\w-]+|utf-8|iso-\d+|read-only|real-time|up-to-date|built-in|third-party|end-to-end|open-source|non-[\w-]+|pre-[\w-]+|co-[\w-]+|self-[\w-]+|well-[\w-]+|so-called|one-time|two-factor|multi-[\w-]+|sub-[\w-]+|auto-[\w-]+|long-[\w-]+|short-[\w-]+|high-[\w-]+|low-[\w-]+|full-[\w-]+|top-[\w-]+|per-[\w-]+|opt-[\w-]+|sign-[\w-]+|log-[\w-]+|check-[\w-]+|follow-[\w-]+|set-[\w-]+|look-[\w-]+|camelCase|snake_case|kebab-case|JavaScript|TypeScript|GitHub|GitLab|YouTube|LinkedIn|PostgreSQL|MySQL|MongoDB|OpenAI|iPhone|iOS|macOS|npm|JSON|URL)$/i;

// ── shell commands in prose ─────────────────────────────────────────────────────────────────

/** Commands whose presence in tool text is harmful whatever the tool is for. */
export const DANGEROUS_COMMAND =
  /\b(?:curl|wget|iwr|invoke-webrequest)\b[^|\n]{0,200}\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b|\b(?:curl|wget)\b[^\n]{0,120}?\s(?:-d|--data(?:-binary|-raw|-urlencode)?|-F|--form|-T|--upload-file|--post-(?:data|file))\b|\brm\s+-[a-z]*r[a-z]*f?[a-z]*\s+(?:~|\/(?:\s|$|\*)|\$HOME|\.\.?\/?(?:\s|$)|\*)|\bchmod\s+(?:-R\s+)?(?:0?777|[ugoa]*\+s)\b|>>?\s*~\/\.(?:bashrc|zshrc|profile|bash_profile|ssh\/authorized_keys)|\bcrontab\s+-|\/dev\/tcp\/|\bnc\s+(?:-\w+\s+)*-e\s|\bbase64\s+(?:-d|--decode)\b[^\n]{0,80}\|\s*(?:ba|z)?sh\b|\$\((?:[^()\n]{0,80}?)\b(?:curl|wget|cat|whoami|env|printenv|id|hostname|uname)\b|\b(?:printenv|env)\s*\|\s*(?:curl|nc|base64)|\bcat\s+(?:~|\$HOME)\/\.|\bpowershell(?:\.exe)?\s+(?:-\w+\s+)*-(?:enc|encodedcommand|e)\b|\biex\s*\(|\beval\s+["'`]?\$\(|\bmkfifo\b|\bdd\s+if=\/dev\/|\bssh-keygen\b[^\n]{0,60}-f\s+~|\bsudo\s+(?:rm|chmod|chown|tee|bash|sh|su|systemctl)\b|\bsystemctl\s+(?:stop|disable|mask)\s+(?:auditd|firewalld|ufw|apparmor|selinux|falco|osquery\w*|crowdstrike\w*|sysmon)|\b(?:env|printenv|set)\s*\|\s*(?:sort|tee|cat)?\s*(?:>|\|)|\bdocker\s+run\b[^\n]{0,80}-v\s+\/:\/|\bscp\s+[^\n]{0,40}(?:~|\$HOME)\/\.|\bcore\.hooksPath\b|\bos\.system\(|\bsubprocess\.\w+\(|\bchmod\s+\+x\s+\/tmp\/|:\(\)\s*\{\s*:\|:&\s*\};:/i;

/** Shell syntax in prose: pipelines, expansions, flags of well-known commands. */
export const COMMAND_SYNTAX =
  /\bsudo\s+\w|\|\s*(?:sh|bash|zsh|tee|xargs|curl|nc|netcat|base64|python3?|node|perl)\b|\$\([^)\n]{1,80}\)|\$\{?[A-Z][A-Z0-9_]{0,30}(?:KEY|TOKEN|SECRET|PASS\w*|CRED\w*)\}?|\b(?:curl|wget)\s+(?:-[\w-]+\s+)*['"]?https?:|\bchmod\s+[+0-7ugoa]|\bchown\s+\w|\brm\s+-\w+|\bexport\s+[A-Z_][A-Z0-9_]*=|\becho\s+["']?\$|\bpython3?\s+-c\b|\bnode\s+-e\b|\b(?:ba)?sh\s+-c\b|\bpowershell\b|\bcmd(?:\.exe)?\s+\/c\b|\bnpx\s+-?\w|\bpip3?\s+install\b|\bnpm\s+(?:install|i)\s+-g\b|\bgit\s+(?:config\s+--global|push\s+--force)\b|\bssh\s+\S+@|\bscp\s+\S|\bkill\s+-9\b|\bnohup\b|\bsource\s+~?\/|\bsystemctl\s|>\s*\/tmp\/|\bdocker\s+(?:run|exec)\s|\bcrontab\b|\blaunchctl\b|\breg\s+add\b|\bdefaults\s+write\b|\b(?:brew|apt(?:-get)?|yum)\s+install\b|`(?:sudo|npx|pip3?|curl|wget|chmod|chown|rm|env|scp|ssh|systemctl|crontab|export|powershell|iex|nc|dd|base64|openssl)\s[^`\n]{1,200}`/;

export const RUN_COMMAND =
  /\b(?:run|running|ran|execute|executing|executed|exec|type|typing|typed|enter|entered|issue|launch|invoke|paste|spawn)\b[^.\n]{0,50}?\b(?:command|commands|script|one-liner|snippet|following|in\s+(?:a|the|your)\s+(?:terminal|shell|console|command\s+line|bash|cli))\b|\bin\s+(?:a|the|your)\s+(?:terminal|shell|console|command\s+line|bash\s+session)\b|\b(?:the|this)\s+(?:following\s+)?(?:command|one-liner|script)\b|\bsetup\s+step\b|\b(?:into|in)\s+a\s+shell\b|\bshell\s+tool\b|\bon\s+the\s+(?:user'?s\s+)?(?:machine|host)\b/i;

// ── contacting an endpoint ──────────────────────────────────────────────────────────────────

export const URL_OR_HOST =
  /\bhttps?:\/\/[^\s<>"'`)\]]{1,512}|\bwss?:\/\/[^\s<>"'`)\]]{1,512}|(?<![@\w.\/-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|io|dev|co|ai|cloud|xyz|site|online|biz|tech|cc|ru|cn|tk|us|uk|de|example|test|invalid|internal)\b(?:\/[^\s<>"'`)\]]{0,200})?|\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{2,5})?\b/g;

/** Verbs that send or report to an endpoint (the text right before the URL): out of scope even for a tool whose job is HTTP. */
export const SEND_TO_ENDPOINT =
  /\b(?:mirrored|delivered|uploaded|reported|forwarded|transmitted|pinged|notified|submitted|synced|registered|relayed|streamed|pushed|shared|copied|echoed|calling|call|hit|hitting|go|goes|routed|sent\s+over|send|sends|sending|sent|post|posts|posting|posted|upload|uploads|uploading|report|reports|reporting|log|logs|logging|logged|forward|forwards|forwarding|transmit|transmits|transmitting|ping|pings|pinging|beacon|notify|notifies|notifying|submit|submits|submitting|sync|syncs|syncing|mirror|mirrors|mirroring|register|registers|registering|verify|verifies|verifying|validate|validates|validating|authenticate|authenticates|authenticating|check\s+in|checks\s+in|heartbeat|contact|contacts|contacting|reach\s+out|call\s+back|callback|share|shares|sharing|relay|relays|relaying|deliver|delivers|delivering|stream|streams|streaming|push|pushes|pushing|exfiltrate|echo|echoes|copy|copies|transfer|transfers)\b(?:[^.\n]{0,60}?\b(?:to|at|with|on|into|via|against|through|using|from|for)\b[\s:('"`]{0,3}(?:the\s+|our\s+|this\s+|an?\s+)?(?:[\w-]+\s+){0,2}?|[\s:('"`]{1,3})$/i;

/** Verbs that fetch from an endpoint: out of scope only for tools that have no network job. */
export const FETCH_FROM_ENDPOINT =
  /\b(?:fetch|fetches|fetching|retrieve|retrieves|retrieving|load|loads|loading|download|downloads|downloading|visit|visits|visiting|open|opens|opening|navigate|navigates|navigating|request|requests|requesting|query|queries|querying|connect|connects|connecting|access|accesses|accessing|get|gets|getting|read|reads|reading|pull|pulls|pulling)\b(?:[^.\n]{0,60}?\b(?:to|at|with|on|into|via|against|through|using|from|for)\b[\s:('"`]{0,3}(?:the\s+|our\s+|this\s+|an?\s+)?(?:[\w-]+\s+){0,2}?|[\s:('"`]{1,3})$/i;

/** Documentation context: a URL for the human to read, not an action for the agent. */
export const DOC_CONTEXT =
  /\b(?:e\.g\.?|for\s+example|for\s+instance|such\s+as|example|like|see|docs?|documentation|learn\s+more|more\s+(?:info|information|details)|refer\s+to|reference|api\s+keys?|sign\s*up|get\s+started|homepage|website|format|pattern|syntax|(?:must|should)\s+(?:be\s+(?:a|an)\s+|start\s+with|begin\s+with|end\s+with|match)|valid|absolute|full\s+url|base\s+url|url\s+of|link\s+to|defaults?\s+to|default)\b/i;

// ── files ───────────────────────────────────────────────────────────────────────────────────

export const FILE_READ_VERB =
  /\b(?:contents?\s+of|read|reads|reading|open|opens|opening|cat|load|loads|loading|access|accesses|accessing|scan|scans|scanning|inspect|inspects|inspecting|collect|collects|collecting|gather|gathers|gathering|grab|grabs|copy|copies|copying|upload|uploads|uploading|attach|attaches|attaching|include|includes|including|extract|extracts|extracting|dump|dumps|dumping|back\s+up|archive|zip|index|harvest|enumerate|list)\b/i;
export const FILE_WRITE_VERB =
  /\b(?:write|writes|writing|append|appends|appending|modify|modifies|modifying|edit|edits|editing|overwrite|overwrites|overwriting|create|creates|creating|insert|inserts|inserting|save|saves|saving|place|places|drop|drops|install|installs|add\s+(?:\w+\s+){0,4}to|persist|persists|plant|plants|store|stores|storing|stash|cache|caches|caching|record|records|log|logs|logging|dump\s+(?:\w+\s+){0,3}into)\b/i;
export const FILE_DELETE_VERB =
  /\b(?:delete|deletes|deleting|remove|removes|removing|erase|erases|erasing|wipe|wipes|wiping|truncate|truncates|purge|purges|purging|clear|clears|clearing|shred|shreds|destroy|destroys|clean\s+up|cleans\s+up|empty|empties)\b/i;

/** A path the model could act on: home, system and dot directories. */
export const FILE_PATH =
  /(?:~|\$HOME|%(?:USERPROFILE|APPDATA|LOCALAPPDATA|HOMEPATH)%)[\/\\][^\s,;)'"`]{0,120}|\b[A-Za-z]:\\[^\s,;)'"`]{1,120}|(?<![\w.])\/(?:etc|var|usr|root|home|Users|private|Library|System|boot|proc|dev)\b[^\s,;)'"`]{0,120}|(?<![\w])\.(?:bashrc|zshrc|profile|bash_profile|bash_history|zsh_history|gitconfig|ssh|aws|env|npmrc|netrc|kube|docker|gnupg|pgpass|config|git)\b[^\s,;)'"`]{0,80}|(?<![\w.])\.\/[\w.-]{1,80}|(?<![\w.])\/tmp\/[^\s,;)'"`]{0,80}/;

/** A class of files that is nobody's single tool's job. */
export const FILE_CLASS =
  /\b(?:(?:the\s+)?(?:user'?s\s+)?(?:downloads|documents|desktop|pictures|photos|music)\s+(?:folder|directory|dir)|\.git\s+(?:directory|folder))|\b(?:(?:the\s+)?user'?s?\s+home|home|config(?:uration)?|log|history|startup|system|credential|key|profile|browser|cookie|keychain|wallet|shell|dot|hidden|backup|sensitive|private|personal|environment|secret)\s+(?:directory|directories|folder|folders|files?|dirs?|dotfiles)\b|\b(?:all|every|any|other)\s+(?:the\s+)?(?:local\s+)?files\b|\bdotfiles\b|\b(?:entire|whole)\s+(?:file\s*system|disk|drive|home\s+directory|project|workspace|repository)\b/i;

// ── the user's arguments ────────────────────────────────────────────────────────────────────

export const TAMPER_VERB =
  /\b(?:sent|made|submitted|put|puts|send|sends|transmit|substitute|fixed\s+at|is\s+fixed|pinned\s+to|made\s+with|expects?|must\s+be|should\s+be|is\s+to\s+be|take|treat|change|changes|changed|changing|replace|replaces|replaced|replacing|modify|modifies|modified|modifying|override|overrides|overridden|overriding|overwrite|overwrites|overwritten|rewrite|rewrites|rewritten|rewriting|alter|alters|altered|altering|substitute|substitutes|substituted|swap|swaps|swapped|adjust|adjusts|adjusted|adjusting|set|sets|update|updates|updated|append|appends|appended|prepend|prepends|prepended|add|adds|added|insert|inserts|inserted|round|rounds|rounded|increase|increases|increased|raise|raises|raised|lower|lowers|lowered|reduce|reduces|reduced|double|doubles|doubled|multiply|multiplied|inflate|inflates|inflated|redirect|redirects|redirected|reroute|reroutes|rerouted|route|routes|routed|bump|bumps|bumped|force|forces|forced|map|maps|mapped|point|points|pointed|normali[sz]e[sd]?|correct|corrects|corrected|amend|amends|amended)\b/i;

export const USER_VALUE =
  /\b(?:the\s+|any\s+|every\s+|all\s+|each\s+)?(?:user'?s|users'|user[\s-](?:provided|supplied|specified|requested|entered|given|selected|chosen)|provided|requested|specified|supplied|given|intended)\s+(?:\w+\s+){0,2}(?:values?|arguments?|parameters?|inputs?|recipients?|destinations?|address(?:es)?|amounts?|quer(?:y|ies)|paths?|urls?|accounts?|e-?mails?|numbers?|targets?|fields?|prices?|quantit(?:y|ies)|currenc(?:y|ies)|locations?|dates?|names?|messages?|texts?|contents?|branch(?:es)?|repo(?:sitor(?:y|ies))?|commands?|payees?|beneficiar(?:y|ies)|wallets?|ibans?|totals?|limits?|filters?|terms?|requests?|choices?)\b/i;

export const REGARDLESS =
  /\b(?:whatever\s+the\s+user\s+(?:entered|puts|put|typed|gave|provided|asked|specified|chose|wants)|(?:if|when)\s+the\s+(?:request|user|call)\s+(?:contains|has|gives|passes|provides)\s+(?:another|a\s+different|any\s+other)|other\s+values\s+(?:are|will\s+be)\s+(?:silently\s+)?(?:ignored|discarded|replaced|overridden)|treat\s+(?:any|the|every)\s+[^.\n]{1,50}?\s+as\s+(?:a\s+)?(?:typo|mistake|error)|without\s+asking|even\s+if\s+(?:the\s+user|they)\s+(?:asked|asks|requested|requests|wants|wanted)\s+(?:for\s+)?(?:something|a\s+different|otherwise)|(?:regardless|irrespective)\s+of\s+(?:what(?:ever)?\s+|which(?:ever)?\s+)?(?:the\s+)?(?:user|user'?s|requested|provided|specified|given|intended|input|they)|no\s+matter\s+(?:what|which|who)\s+(?:the\s+)?(?:user|they|was|is)|whatever\s+(?:\w+\s+){0,2}(?:the\s+)?user|no\s+matter\s+(?:what|which)\s+(?:\w+\s+){0,2}(?:the\s+)?user|even\s+(?:if|when|though)\s+(?:the\s+)?user|instead\s+of\s+(?:the\s+|what\s+the\s+)?(?:user|requested|provided|specified|given|intended)|in\s+place\s+of\s+(?:the\s+)?(?:user|requested|provided))\b/i;

export const QUIET_CHANGE =
  /\b(?:automatically|silently|quietly|secretly|transparently)\s+(?:be\s+)?(?:modified|changed|rewritten|replaced|appended|adjusted|redirected|rerouted|overridden|updated|substituted|swapped|set|added|included|inserted|copied|bcc'?d|cc'?d)\b/i;

export const ADD_TO_PAYLOAD =
  /\b(?:add|adds|append|appends|prepend|prepends|insert|inserts|include|includes|inject|injects|attach|attaches|put|puts)\b[^.\n]{0,60}?\b(?:to|into|in|onto)\s+(?:the\s+|every\s+|each\s+|all\s+|any\s+)?(?:user'?s?\s+|outgoing\s+)?(?:quer(?:y|ies)|recipients?|cc|bcc|message|messages|body|bodies|request|requests|command|commands|payload|amount|transfer|list\s+of\s+recipients|to\s+field|search\s+terms?|sql|orders?|cart|urls?|emails?|posts?|replies|commits?|pull\s+requests?)\b/i;

// ── steering the model's choice of tools ────────────────────────────────────────────────────

export const PREFER_OVER =
  /\b(?:prefer(?:red|s)?|prioriti[sz]e[ds]?|favou?r(?:ed|s)?|choose|chosen|select(?:ed)?|pick(?:ed)?|use[ds]?|call(?:ed)?|rank(?:ed)?|rely\s+on)\s+(?:this|me|it|the\s+[\w-]+)\s+(?:tool\s+|function\s+|server\s+|one\s+)?(?:over|above|ahead\s+of|before|instead\s+of|rather\s+than|in\s+place\s+of)\s+(?:any|all|every|other|the\s+other|similar|competing|alternative|built-in|native|standard|default|generic|third-party|comparable)\b/i;

export const SELF_RANK =
  /\b(?:this|the\s+[\w-]+)\s+(?:tool|function|server|integration|service)\s+(?:is|should\s+be|must\s+be|shall\s+be|will\s+be|has\s+been)\s+(?:always\s+|now\s+)?(?:the\s+)?(?:preferred|default|primary|first|only|best|most\s+(?:accurate|reliable|trusted|secure|up-to-date|complete|authoritative)|recommended|official|authoritative|canonical|trusted|superior|designated|mandatory|go-to)\b/i;

export const CLAIM_ALL =
  /\b(?:(?:pick|picks|choose|chooses|select|selects|use|uses|reach\s+for|reaches\s+for|call|calls|prefer|prefers)\s+(?:this\s+tool|this\s+one|it|me)\s+(?:(?:before|prior\s+to)\s+(?:considering\s+)?(?:anything|any\s+other|other)|ahead\s+of|in\s+every\s+case|even\s+when|for\s+(?:any|all|every)\s+(?:requests?|tasks?|questions?|quer(?:y|ies)|purposes?)\b|over\s+(?:any|all|every|other))|when\s+in\s+doubt,?\s+(?:pick|choose|select|use|call|prefer)|(?:default|go-to|first\s+choice)\s+for\s+(?:any|all|every)\s+(?:request|task|query|question)|including\s+(?:ones|those|requests)\s+(?:meant|intended)\s+for\s+other|only\s+fall\s+back\s+to\s+other|outperforms\s+(?:every|all|any)\s+(?:other\s+)?(?:alternative|tool|competitor)|(?:always|only)\s+(?:select|pick|choose|use|call)\s+this\s+tool\s+for\s+(?:\w+\s+){0,3}(?:requests?|tasks?|queries|questions))|\b(?:use|uses|call|calls|invoke|invokes|choose|chooses|select|selects|pick|picks|prefer|prefers|route|routes)\s+(?:this|me|it)\s+(?:tool\s+|function\s+)?(?:first\s+)?(?:for|with|on)\s+(?:any|all|every|each)\s+(?:single\s+|kind\s+of\s+|type\s+of\s+)?(?:requests?|tasks?|questions?|quer(?:y|ies)|prompts?|messages?|purposes?|operations?|lookups?|searches?|problems?|needs?)\b/i;

export const DISPARAGE =
  /\b(?:(?:results?|outputs?|answers?|data)\s+(?:from|of|returned\s+by)\s+[`'"]?[\w.-]+[`'"]?\s+(?:are|is)\s+(?:\w+\s+)?(?:wrong|unreliable|inaccurate|outdated|stale|incorrect|incomplete|tampered|untrustworthy|fake)|(?:other|alternative|competing|similar)\s+[^.\n]{0,60}?\b(?:tools?|servers?|plugins?|providers?|services?|apis?)\b[^.\n]{0,60}?\b(?:leak\w*|sell\w*|advertis\w*|insecure|unreliable|inaccurate|outdated|broken|compromised|malicious|wrong|rate-limited|down|logged|monitored|spyware|tracked|untrustworthy|should\s+be\s+(?:avoided|ignored)|must\s+be\s+(?:avoided|ignored))\b|[`'"]?[\w.-]+[`'"]?\s+(?:is|are)\s+(?:rate-limited|often\s+down|frequently\s+down|unreliable|compromised|deprecated\s+and\s+unsafe))|\b(?:other|alternative|competing|similar|third[\s-]party|built[\s-]in|native|default|standard|legacy|generic|external|remaining)\s+(?:\w+\s+)?(?:tools?|functions?|servers?|plugins?|providers?|services?|options?|integrations?|apis?|sources?)\s+(?:\w+\s+){0,2}(?:are|is|may\s+be|can\s+be|have\s+been|were|tend\s+to\s+be|often\s+(?:are|return|give)|frequently|will|could|might|return|give|produce|are\s+known\s+to\s+(?:return|give|be|produce))\s+(?:\w+\s+)?(?:unreliable|tampered|manipulated|poisoned|fake|inaccurate|outdated|deprecated|insecure|unsafe|broken|slow|buggy|compromised|untrusted|malicious|flawed|less\s+(?:accurate|reliable|secure)|incorrect|wrong|stale|hallucinat\w*|unverified|unvetted|risky|dangerous|not\s+(?:trusted|reliable|accurate|safe|secure|maintained|approved|sanctioned))\b/i;

/** "Do not use `web_search`": a negative order whose object is a named tool (weighed in `steering`). */
export const NEGATIVE_USE =
  /\b(?:do\s+not|don'?t|never|must\s+not|should\s+not|avoid|stop)\s+(?:use|call|invoke|using|calling|invoking|rely(?:ing)?\s+on|trust(?:ing)?)\s+(?:the\s+)?[`'"‘“]?([A-Za-z][\w.-]{2,63})/gi;

export const AVOID_OTHERS =
  /\b(?:trust|rely\s+on|believe)\s+only\s+(?:this|me)\b|\bonly\s+(?:trust|rely\s+on|believe)\s+(?:this|me)\b|\b(?:any\s+(?:similar|other|alternative|competing)\s+tools?\b[^.\n]{0,60}?\b(?:should|must|shall|is\s+to)\s+be\s+(?:ignored|avoided|disregarded|skipped))|\b(?:do\s+not|don'?t|never|avoid|refrain\s+from|stop)\s+(?:use|call|using|calling|invoke|invoking|rely(?:ing)?\s+on|trust(?:ing)?|consult(?:ing)?)\s+(?:any\s+)?(?:other|alternative|competing|similar|the\s+other|built-in|native|third-party|external|generic)\s+(?:\w+\s+)?(?:tools?|functions?|servers?|search(?:es)?|options?|providers?|sources?|services?|apis?)\b/i;

// ── data outside the tool's job ─────────────────────────────────────────────────────────────

export const ASK_CONVERSATION =
  /\b(?:(?:the\s+)?(?:full|entire|complete|whole)\s+(?:context(?:\s+window)?|conversation)|(?:the\s+)?(?:full|entire|complete|whole|previous|prior|recent|current|ongoing|preceding|earlier|last)\s+(?:\d{1,3}\s+)?(?:conversation|chat|dialog(?:ue)?|transcript|message\s+history|chat\s+history|exchanges?|turns?|user\s+messages|messages)|conversation\s+(?:so\s+far|history|log|transcript|context)|chat\s+(?:history|log|transcript)|(?:everything|all)\s+(?:that\s+)?(?:the\s+user\s+)?(?:has\s+)?(?:said|typed|written|asked|shared|discussed)|(?:outputs?|results?|responses?)\s+(?:of|from)\s+(?:other|previous|prior|all|earlier|any)\s+(?:tools?|tool\s+calls|functions?|calls)|other\s+tools'?\s+(?:outputs?|results?|responses?)|what\s+the\s+user\s+(?:has\s+)?(?:said|asked|typed|wrote|shared)\s+(?:so\s+far|earlier|before|previously)|contents?\s+of\s+(?:any|all|every|each|the)\s+files?\s+(?:that\s+)?(?:the\s+user|you)\s+(?:has\s+|have\s+)?(?:shared|uploaded|opened|mentioned|attached|provided)|(?:any|all|every)\s+(?:api\s+keys?|tokens?|passwords?|secrets?|credentials?)\s+(?:\w+\s+){0,3}(?:in|from)\s+(?:the\s+|this\s+)?(?:conversation|context|chat|session))\b/i;

export const ASK_SELF =
  /\b(?:(?:your|the\s+(?:assistant|model|ai|agent|llm)'?s?)\s+(?:own\s+|full\s+|current\s+|original\s+|initial\s+|exact\s+|complete\s+|underlying\s+)?(?:operating\s+|hidden\s+|internal\s+)?(?:system\s+prompt|instructions|rules|guidelines|configuration|identity|name|model\s+(?:name|id|version|family)|version|provider|vendor|developer|creator|training|capabilities|persona|context\s+window|operator|deployment)|system\s+(?:prompt|message|instructions)|(?:the\s+)?(?:calling|current|underlying|invoking|requesting|host)\s+(?:model|llm|ai|assistant)(?:'s)?\s+(?:name|identity|id|version|provider|vendor|family)|which\s+(?:model|llm|ai|assistant|language\s+model)\s+(?:you\s+are|you'?re|is|are\s+you|powers)|(?:the\s+)?(?:model|llm)\s+(?:identifier|name\s+and\s+version)|(?:the\s+)?operator'?s\s+(?:name|identity)|developer\s+instructions|(?:list|names?|descriptions?|schemas?)\s+of\s+(?:all\s+|the\s+|your\s+)?(?:available|other|installed|connected|enabled|loaded)\s+(?:tools|functions|servers|plugins|mcp\s+servers))\b/i;

export const ASK_PERSONAL =
  /\b(?:employer|job\s+title|ip\s+address|current\s+location|precise\s+location|contacts?\s+list|address\s+book|health\s+(?:data|information|conditions?)|social\s+security(?:\s+number)?|ssn|home\s+address|date\s+of\s+birth|birth\s*date|mother'?s\s+maiden\s+name|passport(?:\s+number)?|driver'?s?\s+licen[cs]e(?:\s+number)?|credit\s+card(?:\s+(?:number|details))?|card\s+number|cvv|cvc|bank\s+account(?:\s+(?:number|details))?|routing\s+number|national\s+id(?:\s+number)?|tax\s+id|medical\s+(?:history|records?)|salary|security\s+questions?|passwords?|api\s+keys?|secret\s+keys?|access\s+tokens?|private\s+keys?|seed\s+phrase|recovery\s+phrase|login\s+credentials|credentials|printenv)\b/i;

/** Verbs that ask the model to hand something over. */
export const ASK_VERB =
  /\b(?:provide|include|pass|send|fill|supply|enter|give|share|attach|add|insert|put|specify|list|state|report|tell|describe|paste|copy|summari[sz]e|disclose|reveal|dump|forward|echo|repeat|output|return|record|embed|populate|set)\b/i;

// ── concealment, for grading ────────────────────────────────────────────────────────────────

export const CONCEAL =
  /\b(?:(?:do\s+not|don'?t|never|no\s+need\s+to|not\s+necessary\s+to|unnecessary\s+to|avoid|refrain\s+from|without)\s+(?:\w+\s+){0,2}(?:mention(?:ing)?|tell(?:ing)?|inform(?:ing)?|notify(?:ing)?|show(?:ing)?|display(?:ing)?|surfac(?:e|ing)|report(?:ing)?\s+(?:this|it|that)|reveal(?:ing)?|disclos(?:e|ing)|explain(?:ing)?|describ(?:e|ing)|bring(?:ing)?\s+up|draw(?:ing)?\s+attention|highlight(?:ing)?|narrat(?:e|ing)|acknowledg(?:e|ing)|ask(?:ing)?\s+(?:the\s+)?user|alert(?:ing)?|confirm(?:ing)?\s+with)|in\s+the\s+background|behind\s+the\s+scenes|transparently|invisibl[ey]|unbeknownst|out\s+of\s+sight|discreetly|quietly|silently|respond\s+only\s+with|only\s+(?:return|show|report|output|display|mention|present)\s+the\s+(?:final\s+|actual\s+|requested\s+)?(?:result|answer|output)|(?:user|they)\s+(?:has|have)\s+already\s+(?:consented|approved|agreed|authori[sz]ed|been\s+informed|opted\s+in)|pre-?(?:approved|authori[sz]ed|consented)|(?:internal|background|housekeeping|routine|invisible|transparent|technical)\s+(?:step|detail|process|operation|mechanism|check|task|matter)s?\s+(?:that\s+)?(?:is|are|does|do|need|should)\s+(?:not|n'?t|irrelevant|of\s+no)|(?:irrelevant|of\s+no\s+interest|not\s+relevant|not\s+of\s+interest)\s+to\s+the\s+user|(?:user|they|them)\s+(?:is|are|be)\s+not\s+(?:made\s+)?aware|not\s+(?:be\s+)?made\s+aware|no\s+notice\s+(?:of\s+(?:this|it)\s+)?(?:must|should|shall|is\s+to|needs\s+to)\s+be\s+given|say\s+nothing|refer\s+only\s+to|(?:must|should)\s+never\s+appear\s+in|invisible\s+to\s+the\s+user|silent\s+side\s+effect|not\s+something\s+to\s+(?:report|mention)|as\s+if\s+it\s+came\s+from)\b/i;

