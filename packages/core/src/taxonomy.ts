import type { ChangeKindName } from './schemas/alert.js';
import type { Severity } from './severity.js';

export interface KindInfo {
  /** What a change of this kind is, unless one of `grades` applies. */
  severity: Severity;
  /**
   * Named reasons a change of this kind is graded other than the default, and the severity each
   * gives. The diff names a reason (makeChange's `grade`); it never writes a severity itself, so
   * this table is the one place where severity is decided.
   */
  grades?: Readonly<Record<string, Severity>>;
  /** One line an on-call engineer understands without knowing MCP internals. */
  explanation: string;
  /** What to do about it. */
  remediation: string;
}

const REVIEW = 'Compare before/after; if the change was expected, approve the new baseline, otherwise keep the server quarantined and contact its owner.';

/**
 * The change taxonomy and the one severity table: `severity` is what the usual change of a kind
 * means, `grades` the variants the diff tells apart (a narrowed schema, an escalated annotation, a
 * swapped digest). Anything that puts unreviewed weights behind a server is at least high.
 */
export const KIND_INFO = {
  'server.unreachable': {
    severity: 'medium',
    explanation: 'The MCP server could not be probed (connection, TLS, protocol or timeout failure), so its surface cannot be checked.',
    remediation: 'Check that the server is up and reachable from the poller; agents should not rely on an unverified server until it recovers.',
  },
  'server.recovered': {
    severity: 'info',
    explanation: 'The MCP server answers probes again after being unreachable.',
    remediation: 'Nothing to do unless drift alerts follow; review those before clearing the incident.',
  },
  'server.identity_changed': {
    severity: 'medium',
    // The name or the endpoint moved: possibly another server. A title alone is cosmetic text
    // (the content rules read it), and http→https on the same endpoint is the good direction.
    grades: { 'title-only': 'low', 'scheme-upgrade': 'info' },
    explanation: 'The server now reports a different name/title or is reached at a different URL: it may be a different server impersonating the approved one.',
    remediation: 'Confirm with the owner that the endpoint and name change is intended; if not, quarantine the server. ' + REVIEW,
  },
  'server.version_changed': {
    severity: 'low',
    explanation: 'The server reports a new version; a deploy happened, which is when tool text and behaviour change.',
    remediation: 'Check the other alerts for this server; if the release is expected and nothing else changed, approve the new baseline.',
  },
  'server.protocol_changed': {
    severity: 'low',
    explanation: 'The negotiated MCP protocol version changed, usually after an SDK upgrade on either side.',
    remediation: 'Usually benign; confirm the server was upgraded on purpose and approve the new baseline.',
  },
  'server.capabilities_changed': {
    severity: 'medium',
    // A new capability or tools.listChanged turning on lets the server do more; removals and
    // other flags do not.
    grades: { reduced: 'low' },
    explanation: 'The server advertises different capabilities; a new capability (or tools.listChanged turning on) lets it do more or change its tools between polls.',
    remediation: 'Check which capability appeared and whether clients should allow it. ' + REVIEW,
  },
  'server.instructions_changed': {
    severity: 'high',
    explanation: "The server's instructions (text injected into every agent's context) changed; this is a prime place to hide a prompt injection.",
    remediation: 'Read the new instructions in full (look for hidden or imperative text) before approving; quarantine the server if unexpected.',
  },
  'tool.added': {
    severity: 'medium',
    explanation: 'A tool that was never reviewed appeared; agents can call it right away.',
    remediation: "Review the new tool's description, input schema and annotations; approve the baseline only if the tool is expected.",
  },
  'tool.removed': {
    severity: 'low',
    explanation: 'A tool disappeared from the server; agents relying on it will fail, and a later re-add may be a different tool.',
    remediation: 'Confirm the removal was intended and approve the new baseline; watch for a tool with the same content under another name.',
  },
  'tool.renamed': {
    severity: 'medium',
    explanation: 'A tool kept its content but got a new name; renames can shadow a trusted tool on another server or dodge name-based allowlists.',
    remediation: 'Check that the new name does not collide with tools on other servers and update allowlists. ' + REVIEW,
  },
  'tool.description_changed': {
    severity: 'high',
    explanation: "A tool's description or title changed after review: the text goes straight into the model's context and is where rug pulls hide instructions.",
    remediation: 'Read the inserted text (details show it, invisible characters escaped); if it tells the model to do anything beyond the tool, quarantine. ' + REVIEW,
  },
  'tool.input_schema_changed': {
    severity: 'medium',
    // Default: the schema accepts more than before. Worse: a new free-text parameter (a channel
    // out) or changed text the model reads inside the schema (a description). Less: narrowing
    // only, or minor text (title, examples, definitions); same meaning (reordered, $comment).
    grades: { 'opens-channel': 'high', minor: 'low', cosmetic: 'info' },
    explanation: "A tool's input schema changed; widening (new free-text fields, dropped patterns/enums/limits) opens channels to exfiltrate data or escape constraints.",
    remediation: 'Look at each widened path in details: a new free-text parameter or a removed pattern needs a reason from the owner. ' + REVIEW,
  },
  'tool.output_schema_changed': {
    severity: 'medium',
    explanation: "A tool's output schema changed, so the structured data (and text) it returns to the model is different.",
    remediation: 'Check that clients still validate the output and that new fields are expected. ' + REVIEW,
  },
  'tool.annotations_changed': {
    severity: 'low',
    // Default: a de-escalation, idempotentHint or _meta. An escalation makes clients auto-approve
    // a tool that can now do more; a hint that is not a boolean cannot be trusted either way.
    grades: { escalation: 'high', 'not-boolean': 'medium', cosmetic: 'info' },
    explanation: "A tool's behaviour hints changed (read-only, destructive, open-world …); escalations make clients auto-approve a tool that can now do more.",
    remediation: 'For an escalation, re-check client approval policies for this tool before approving; de-escalations only need a sanity check.',
  },
  // Prompts are invoked by a user and resources are read by the client app, so a new one is low
  // (nothing calls it by itself); a changed one is medium because its description and arguments
  // still reach the model when used (the content rules grade what the text says).
  'prompt.added': {
    severity: 'low',
    explanation: 'The server offers a new prompt template that users can pull into a conversation.',
    remediation: "Review the prompt's description and arguments; approve the baseline if expected.",
  },
  'prompt.removed': {
    severity: 'info',
    explanation: 'A prompt template is no longer offered.',
    remediation: 'Approve the new baseline if the removal is expected.',
  },
  'prompt.changed': {
    severity: 'medium',
    explanation: "A prompt template's description or arguments changed; that text reaches the model when the prompt is used.",
    remediation: 'Read the changed text for injected instructions. ' + REVIEW,
  },
  'resource.added': {
    severity: 'low',
    explanation: 'The server exposes a new resource (or resource template) that clients may read into context.',
    remediation: 'Check that the resource should be exposed (no secrets, no unexpected paths) and approve if expected.',
  },
  'resource.removed': {
    severity: 'info',
    explanation: 'A resource (or resource template) is no longer listed.',
    remediation: 'Approve the new baseline if the removal is expected.',
  },
  'resource.changed': {
    severity: 'medium',
    explanation: "A resource's name, description or MIME type changed; descriptions reach the model and can carry injected text.",
    remediation: 'Read the changed description and check the MIME type. ' + REVIEW,
  },
  'model.added': {
    severity: 'high',
    // High, not medium: unreviewed weights now answer agents (the same name from another source
    // is added + removed, i.e. a swap), as the pin check has always graded it.
    explanation: 'A model that was not in the baseline is now served behind this server.',
    remediation: 'Confirm the model is approved for this use (provenance, licence, evaluation) before approving the baseline.',
  },
  'model.removed': {
    severity: 'low',
    // A removal alone brings no unreviewed weights (whatever takes over is in the baseline or is
    // model.added); a pinned model that is not served means something else answers in its place.
    grades: { 'pinned-missing': 'high' },
    explanation: 'A model is no longer served; requests may silently fall back to another model.',
    remediation: 'Check which model now answers and approve the new baseline if expected.',
  },
  'model.changed': {
    severity: 'high',
    // Default: a new version, or a digest seen for the first time. The same name with another
    // digest is the worst case: the weights behind a trusted name were swapped.
    grades: { 'digest-swapped': 'critical' },
    explanation: 'A model kept its name but its digest or version changed: the weights behind a trusted name were swapped (critical when the digest changed).',
    remediation: 'Verify the new digest against the vendor or your model registry; quarantine until the swap is confirmed, then pin the new digest.',
  },
  'transport.tls_changed': {
    severity: 'medium',
    // A fingerprint seen for the first time, or no longer observed, is bookkeeping, not a swap.
    grades: { 'first-or-last-seen': 'low' },
    explanation: "The server's TLS certificate changed; usually a routine renewal, but also what an interception or a hijacked endpoint looks like.",
    remediation: 'Check the certificate issuer and validity with the owner (a renewal is fine) and approve the new baseline.',
  },
  'server.unverifiable': {
    severity: 'high',
    explanation:
      'The server sent something Driftwatch cannot hold or compare (a list past its bound, endless pages, over-long instructions or server info, a response too large): what lies beyond the cut is unreviewed text a model may still read.',
    remediation: 'Treat the server as unverified until its owner brings the surface within bounds; approve only after reading what the details say was cut.',
  },
  'tool.unverifiable': {
    severity: 'high',
    explanation:
      'A tool came with something Driftwatch cannot keep or compare (an over-long name, a schema nested too deep or too large, a missing or invalid input schema, a text past 1 MiB). Its content is fingerprinted but cannot be reviewed: a classic place to hide a rug pull.',
    remediation: "Ask the owner why the tool is shaped this way; keep the server quarantined until the tool is within bounds or removed, then approve.",
  },
  'tool.duplicate_name': {
    severity: 'high',
    explanation:
      'The server lists two or more tools under one name. Clients keep one of them, and which one differs between clients: a clean twin can hide a poisoned one.',
    remediation: 'Compare every definition (the evidence lists each one); the server must list each name once before it is approved again.',
  },
  'prompt.unverifiable': {
    severity: 'high',
    explanation: 'A prompt came with something Driftwatch cannot keep or compare (an over-long name or text, an invalid shape): its content is fingerprinted but cannot be reviewed.',
    remediation: 'Ask the owner to bring the prompt within bounds; keep the server quarantined until then.',
  },
  'resource.unverifiable': {
    severity: 'high',
    explanation: 'A resource or resource template came with something Driftwatch cannot keep or compare: its content is fingerprinted but cannot be reviewed.',
    remediation: 'Ask the owner to bring the resource listing within bounds; keep the server quarantined until then.',
  },
  'transport.insecure': {
    severity: 'high',
    explanation: 'The server URL went from https to plain http: traffic, tool calls and credentials can now be read or altered on the network.',
    remediation: 'Restore https in the configuration or on the server; do not approve a plain-http endpoint outside a trusted network.',
  },
  'server.secret_exposed': {
    severity: 'critical',
    explanation: "A credential configured for this server (an env value, a header, a URL password or query key) appears in the server's own text, so it is fed to every model that reads the tools; Driftwatch masks it before storing or publishing anything.",
    remediation: 'Rotate the credential now, keep the server quarantined, and find out with its owner why the server echoes its configuration into tool text.',
  },
  'server.unsandboxed': {
    severity: 'low',
    explanation: "The stdio server was probed without a sandbox (bubblewrap missing or failing, or `sandbox: none`): while it ran it had the poller's own user, file system, network and process limits.",
    remediation: 'Install bubblewrap on the poller host (Debian: apt-get install bubblewrap) and set `sandbox: auto` or `bwrap` for this server; keep `sandbox: none` only for a server you trust as much as the poller.',
  },
} as const satisfies Record<ChangeKindName, KindInfo>;
