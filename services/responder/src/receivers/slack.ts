import type { DeliveryOutcome, IncidentTransition, Notification, Receiver, Severity, SlackReceiverConfig } from '@driftwatch/core';
import { alertsBySeverity, evidenceExcerpt } from './alerts.js';
import type { ReceiverDeps } from './deps.js';
import { postOnce } from './http.js';
import { answerReason, classifyHttp } from './outcome.js';
import { clip, oneLine, visible } from './text.js';

/**
 * Slack incoming webhook with Block Kit: a header (severity, what happened, the title), fields
 * (severity, server, status, alerts), the summary, an excerpt of the evidence with invisible
 * characters made visible (`<U+200B>`), and buttons to the incident. The webhook URL is the
 * credential: it is never logged, and every error says "slack receiver <name>" instead.
 *
 * Slack's documented limits are kept with margin (header 150, section text 3000, a field 2000,
 * button text 75, a URL 3000, 50 blocks; `text` is the notification fallback). Untrusted text is
 * escaped for mrkdwn (&, <, >), so a tool description cannot forge a link or an @channel.
 *
 * Outcomes: 200 "ok"; 400/403/404/410 permanent (invalid_payload, action_prohibited,
 * channel_not_found / no_service, channel_is_archived); 429 and 5xx retryable; other 4xx permanent.
 */

export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fieldText: 2000,
  buttonText: 75,
  url: 3000,
  blocks: 50,
  fallbackText: 3000,
  contextElements: 10,
} as const;

const SEVERITY_MARK: Record<Severity, string> = {
  critical: ':rotating_light:',
  high: ':red_circle:',
  medium: ':large_orange_circle:',
  low: ':large_blue_circle:',
  info: ':white_circle:',
};

const WHAT: Record<IncidentTransition, string> = {
  trigger: 'New incident',
  update: 'Incident updated',
  acknowledge: 'Acknowledged',
  resolve: 'Resolved',
};

/** Escapes untrusted text for mrkdwn after making invisible characters visible. */
export function mrkdwn(text: string): string {
  return visible(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text for a ``` block: a run of three backticks inside would end the block, so it is shown as <U+0060>s. */
function codeBlock(text: string, max: number): string {
  const inner = mrkdwn(text).replace(/`{3,}/g, (run) => '&lt;U+0060&gt;'.repeat(run.length));
  return `\`\`\`${clip(inner, max - 6)}\`\`\``;
}

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

export function slackMessage(n: Notification): SlackMessage {
  const { incident } = n;
  const mark = n.transition === 'resolve' ? ':white_check_mark:' : n.transition === 'acknowledge' ? ':eyes:' : SEVERITY_MARK[incident.severity];
  const header = oneLine(`${WHAT[n.transition]}: ${incident.title}`, SLACK_LIMITS.headerText - mark.length - 1);
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: `${mark} ${header}`, emoji: true } },
    {
      type: 'section',
      fields: [
        field('Severity', incident.severity.toUpperCase()),
        field('Server', `\`${mrkdwn(incident.serverId)}\``),
        field('Status', incident.quarantined ? `${incident.status}, quarantined` : incident.status),
        field('Alerts', String(incident.alerts.length)),
      ],
    },
  ];
  const alerts = alertsBySeverity(incident);
  const summary = alerts
    .slice(0, 10)
    .map((a) => `• *${a.severity}* \`${mrkdwn(clip(a.kind, 80))}\` ${mrkdwn(oneLine(a.summary, 300))}`)
    .join('\n');
  const more = alerts.length > 10 ? `\n…and ${alerts.length - 10} more` : '';
  if (summary) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`${summary}${more}`, SLACK_LIMITS.sectionText) } });
  if (n.transition === 'trigger' || n.transition === 'update') {
    const excerpt = alerts
      .slice(0, 3)
      .map((a) => {
        const e = evidenceExcerpt(a, 900);
        return e ? `${a.kind} ${a.subject}\n${e}` : undefined;
      })
      .filter((e): e is string => e !== undefined)
      .join('\n\n');
    if (excerpt) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Evidence* (invisible characters shown as &lt;U+XXXX&gt;)\n${codeBlock(excerpt, SLACK_LIMITS.sectionText - 80)}` } });
    }
  }
  if (n.transition === 'acknowledge' && incident.acknowledgedBy) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`Acknowledged by ${mrkdwn(incident.acknowledgedBy)}`, SLACK_LIMITS.sectionText) } });
  }
  if (n.transition === 'resolve' && incident.resolvedBy) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`Resolved by ${mrkdwn(incident.resolvedBy)}`, SLACK_LIMITS.sectionText) } });
  }
  const buttons = [
    n.links.console ? button('Open in console', n.links.console, 'open_console') : undefined,
    n.links.api ? button('Incident in the API', n.links.api, 'open_api') : undefined,
  ].filter((b): b is Record<string, unknown> => b !== undefined);
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`Driftwatch · incident \`${mrkdwn(incident.id)}\` · ${n.time}`, 300) }] });
  const text = clip(`${WHAT[n.transition]} [${incident.severity.toUpperCase()}] ${mrkdwn(incident.serverId)}: ${mrkdwn(oneLine(incident.title, 500))}`, SLACK_LIMITS.fallbackText);
  return { text, blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

function field(name: string, value: string): Record<string, unknown> {
  return { type: 'mrkdwn', text: clip(`*${name}*\n${value}`, SLACK_LIMITS.fieldText) };
}

function button(text: string, url: string, actionId: string): Record<string, unknown> | undefined {
  // A URL longer than Slack takes would make it refuse the whole message: leave the button out.
  if (url.length > SLACK_LIMITS.url) return undefined;
  return { type: 'button', text: { type: 'plain_text', text: clip(text, SLACK_LIMITS.buttonText) }, url, action_id: actionId };
}

/** Slack answers a bad webhook with these (documented): nothing will change on a retry. */
const PERMANENT = new Set([400, 403, 404, 410]);

export function createSlackReceiver(name: string, config: SlackReceiverConfig, deps: ReceiverDeps): Receiver {
  const label = `slack receiver ${name}`;
  const secrets = [config.webhookUrl, safePath(config.webhookUrl)].filter((s): s is string => !!s && s.length > 1);
  return {
    name,
    kind: 'slack',
    async deliver(n: Notification, signal: AbortSignal): Promise<DeliveryOutcome> {
      const result = await postOnce({
        label,
        url: config.webhookUrl,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(slackMessage(n)),
        timeoutMs: config.timeout,
        signal,
        allowPrivateNetwork: config.allowPrivateNetwork,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      let outcome: DeliveryOutcome;
      if (result.kind === 'failed') outcome = { ok: false, retryable: result.retryable, reason: result.reason };
      else if (PERMANENT.has(result.answer.status)) outcome = { ok: false, retryable: false, reason: answerReason(label, result.answer, secrets) };
      else outcome = classifyHttp(label, result.answer, deps.now(), secrets, result.answer.status === 200 ? 'ok' : undefined);
      deps.logger.debug({ receiver: name, incidentId: n.incident.id, transition: n.transition, ok: outcome.ok }, 'slack delivery');
      return outcome;
    },
  };
}

function safePath(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return undefined;
  }
}
