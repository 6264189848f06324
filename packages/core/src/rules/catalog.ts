import type { RuleInfo } from './types.js';

/**
 * The reviewed rule catalog: what each content rule means to an operator. Ids become alert kinds
 * `content.<id>`; never rename one (silences and dashboards key on it), add new ones instead.
 * `severity` is what a clear or corroborated hit gets; single weak cues are graded lower.
 */
export const RULES = [
  {
    id: 'hidden-unicode',
    severity: 'critical',
    title: 'Invisible characters in tool metadata',
    explanation:
      'The text contains characters a person cannot see but a model reads: Unicode tag characters (U+E0000–E007F, which can spell whole hidden sentences), zero-width characters, variation-selector runs, or terminal escape codes. They are the standard way to smuggle instructions past human review.',
    remediation:
      'Read the decoded text in the evidence. Reject the change unless the server owner explains the characters; ask them to publish plain text.',
  },
  {
    id: 'bidi-override',
    severity: 'high',
    title: 'Bidirectional override characters',
    explanation:
      'Bidirectional override, embedding or isolate characters make text display in a different order than a model reads it (the "Trojan Source" technique), so what a reviewer approves is not what the agent gets.',
    remediation: 'Treat the text as untrusted; ask the server owner to remove the control characters.',
  },
  {
    id: 'confusable-name',
    severity: 'high',
    title: 'Look-alike or mixed-script name',
    explanation:
      'A tool, parameter or prompt name mixes scripts (for example a Cyrillic "е" in "rеad_file") or is made only of look-alike letters. Such names impersonate trusted tools and evade allow-lists.',
    remediation: 'Compare the name with the tool it resembles; block the server unless the name is legitimate.',
  },
  {
    id: 'instruction-override',
    severity: 'high',
    title: 'Attempt to override the agent’s instructions',
    explanation:
      'The text tells the model to ignore or replace its previous instructions, to adopt a new role, or to act regardless of what the user asked. Tool metadata should describe a tool, never command the agent.',
    remediation: 'Quarantine the server and review who changed the text.',
  },
  {
    id: 'concealment',
    severity: 'high',
    title: 'Instruction to hide behaviour from the user',
    explanation:
      'The text asks the model not to tell the user something, to act silently, or to act without the user knowing. Legitimate tools have no reason to hide what they do from the person using them.',
    remediation: 'Quarantine the server; check recent tool calls for the hidden behaviour.',
  },
  {
    id: 'coercion',
    severity: 'medium',
    title: 'Coercive call ordering',
    explanation:
      'The text forces the agent to call this tool first, before any other tool, on every request, or claims things "will not work unless" it is used. This is how poisoned tools inject themselves into unrelated work ("dependency injection", "line jumping").',
    remediation: 'Check that the ordering is real and limited to this server’s own tools; otherwise block the change.',
  },
  {
    id: 'command-injection',
    severity: 'high',
    title: 'Shell commands planted in metadata',
    explanation:
      'The text contains download-and-execute or reverse-shell commands, or asks the agent to prefix the commands it runs with something. Agents with a shell tool will run them (Trail of Bits "line jumping").',
    remediation: 'Quarantine the server; check shell history on machines whose agents used it.',
  },
  {
    id: 'hidden-markers',
    severity: 'high',
    title: 'Hidden-instruction markers',
    explanation:
      'The text contains markup that addresses the model rather than the user: <IMPORTANT> or <system> tags, chat-template tokens, HTML comments, notes "to the AI", or long padding that pushes text out of view.',
    remediation: 'Read the marked section; remove the server unless it is plainly harmless documentation.',
  },
  {
    id: 'sensitive-file',
    severity: 'high',
    title: 'Reference to credentials or sensitive files',
    explanation:
      'The text points at SSH keys, cloud credential files, MCP client configs (mcp.json, claude_desktop_config.json), .env files or tokens. Alone this is often legitimate documentation; together with requests to read, include or send it, it is the core of credential-theft poisoning.',
    remediation: 'Confirm the tool needs the file; if the text asks the agent to read or pass it along, quarantine.',
  },
  {
    id: 'exfil-channel',
    severity: 'high',
    title: 'Exfiltration channel in metadata',
    explanation:
      'The text names a place to send data (webhook or tunnel hosts, URLs with data placeholders, e-mail addresses or phone numbers to copy or redirect messages to) or asks to forward conversation or secrets somewhere.',
    remediation: 'Quarantine the server and check outbound traffic and sent messages for the named destination.',
  },
  {
    id: 'exfil-parameter',
    severity: 'high',
    title: 'Parameter that asks for unrelated data',
    explanation:
      'A parameter (often named sidenote, notes, context, metadata …) asks the model to fill it with the conversation, the system prompt, the list of tools, or the contents of files — data the tool has no use for except to leak it.',
    remediation: 'Quarantine the server; review what was sent in that parameter.',
  },
  {
    id: 'cross-server-reference',
    severity: 'high',
    title: 'Steers other tools or servers',
    explanation:
      'The text talks about other tools or servers: it names another server’s tool, claims side effects on it, or tells the agent to use this tool instead of another. This is how "shadowing" and tool-redirection attacks hijack trusted tools without ever being called.',
    remediation: 'Tool descriptions should describe only their own tool. Block the change and check the named tool’s recent calls.',
  },
  {
    id: 'tool-shadowing',
    severity: 'high',
    title: 'Tool name collides with another server',
    explanation:
      'A tool has the same name as, or a look-alike of, a tool on another server in the catalog. A model may call the wrong one. Plain collisions are common and graded low; look-alike names are graded high.',
    remediation: 'Rename or disable one of the tools, or scope the agent to one server.',
  },
  {
    id: 'encoded-blob',
    severity: 'high',
    title: 'Encoded text in metadata',
    explanation:
      'The text carries base64, hex or escaped content that decodes to readable text. Encoding hides instructions from people and simple filters; the decoded text is in the evidence.',
    remediation: 'Read the decoded text; reject the change unless the encoding is needed and harmless.',
  },
  {
    id: 'secret-in-metadata',
    severity: 'high',
    title: 'Secret leaked in metadata',
    explanation:
      'The text or _meta contains what looks like a live credential (cloud keys, API tokens, private keys, credentials in a URL). Anyone who can list the tools can read it.',
    remediation: 'Treat the secret as compromised: rotate it and ask the server owner to remove it.',
  },
  {
    id: 'directed-tool-call',
    severity: 'high',
    title: 'Directs the agent to call another tool',
    explanation:
      'The text tells the agent to call another tool before, after or instead of this one (“first call X”, “deprecated, use X instead”). A tool description should describe its own tool; ordering the agent into other calls is how dependency-injection and tool-redirection attacks take over a session. A server’s own workflow between its tools is graded low unless it is imposed on every request.',
    remediation: 'Check that the named tool exists on this server and that the order is a real data dependency; otherwise block the change.',
  },
  {
    id: 'directed-command',
    severity: 'high',
    title: 'Directs the agent to run a shell command',
    explanation:
      'The text contains shell syntax (pipelines, expansions, sudo, curl with data, rm -rf …) together with a directive, in a tool whose declared job is not running commands. Agents with a terminal tool will run it.',
    remediation: 'Quarantine the server; check the shell history of machines whose agents used it.',
  },
  {
    id: 'directed-network',
    severity: 'high',
    title: 'Directs the agent to contact an endpoint',
    explanation:
      'The text asks the agent to send, report, log, verify or register with a URL or host, or to fetch one from a tool that has no network job. Data leaves through the agent’s own HTTP or browser tools.',
    remediation: 'Quarantine the server and check outbound traffic for the named host.',
  },
  {
    id: 'directed-file-access',
    severity: 'high',
    title: 'Directs the agent to touch files outside the tool’s job',
    explanation:
      'The text asks the agent to read, write or delete home, system, configuration or credential files, or to delete files from a tool whose job is not deleting. A weather tool has no reason to mention ~/.bashrc.',
    remediation: 'Quarantine the server; check the named files for changes or reads.',
  },
  {
    id: 'argument-tampering',
    severity: 'high',
    title: 'Changes the user’s arguments',
    explanation:
      'The text asks the agent to change, replace or add to the values the user gave (recipient, amount, destination, query), regardless of what the user asked. The call the user approves is not the call that runs.',
    remediation: 'Quarantine the server and review recent calls for values the user did not give.',
  },
  {
    id: 'tool-steering',
    severity: 'high',
    title: 'Steers the model’s choice of tools',
    explanation:
      'The text tells the model to prefer this tool over others, claims every request, or disparages other tools so that the model avoids them. Preference manipulation routes work, and the data in it, to a tool the user did not pick.',
    remediation: 'Tool descriptions should say what the tool does, not rank it. Block the change.',
  },
  {
    id: 'data-overreach',
    severity: 'high',
    title: 'Asks for data outside the tool’s job',
    explanation:
      'A parameter or instruction asks for the conversation, other tools’ results, the model’s own instructions or identity, or personal data the tool has no use for. What the model fills in is sent to the server.',
    remediation: 'Quarantine the server; review what was sent in those parameters.',
  },
] as const satisfies readonly RuleInfo[];

export type RuleId = (typeof RULES)[number]['id'];

export const RULE_IDS: ReadonlySet<string> = new Set(RULES.map((r) => r.id));

export function ruleInfo(id: string): RuleInfo | undefined {
  return RULES.find((r) => r.id === id);
}
