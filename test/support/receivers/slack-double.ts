import type { IncomingHttpHeaders } from 'node:http';
import { DoubleServer, header, INVISIBLE, isHttpUrl, isObject, unknownKeys, type ScriptedAnswer } from './double-server.js';

/**
 * A Slack incoming-webhook double. Only its secret path is a valid webhook (any other path gets
 * Slack's 404 `no_service`). It checks the message against Block Kit's documented limits (50
 * blocks; header plain_text ≤ 150; section text ≤ 3000; ≤ 10 fields of ≤ 2000; buttons with
 * text ≤ 75 and url ≤ 3000; context ≤ 10 elements) and Driftwatch's own rules: a fallback
 * `text`, no raw `<` in mrkdwn (untrusted text is escaped, so no forged links or @channel), and
 * no invisible character reaching a human (they must arrive as `<U+XXXX>`). Answers 200 "ok",
 * Slack's 400 `invalid_payload` for a bad message, or the script (403, 404, 410, 429, 500 …).
 */

const TOP = ['text', 'blocks', 'attachments', 'thread_ts', 'mrkdwn', 'unfurl_links', 'unfurl_media', 'username', 'icon_emoji', 'icon_url', 'channel'];

const ERRORS: Record<number, string> = {
  400: 'invalid_payload',
  403: 'action_prohibited',
  404: 'channel_not_found',
  410: 'channel_is_archived',
  429: 'rate_limited',
  500: 'rollup_error',
};

export class SlackDouble extends DoubleServer {
  constructor(readonly secretPath = '/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX') {
    super();
  }

  /** The full webhook URL (the secret). */
  get webhookUrl(): string {
    return `${this.url}${this.secretPath}`;
  }

  messages(): Array<{ text: string; blocks: Array<Record<string, unknown>> }> {
    return this.accepted().map((r) => r.json as { text: string; blocks: Array<Record<string, unknown>> });
  }

  protected validate(req: { method: string; path: string; headers: IncomingHttpHeaders; rawBody: string; json: unknown }): string[] {
    const p: string[] = [];
    if (req.method !== 'POST') p.push(`method ${req.method}`);
    if (req.path !== this.secretPath) return ['wrong webhook path'];
    if (!header(req.headers, 'content-type')?.startsWith('application/json')) p.push('content-type is not application/json');
    const m = req.json;
    if (!isObject(m)) return [...p, 'body is not a JSON object'];
    p.push(...unknownKeys(m, TOP, 'message'));
    if (typeof m.text !== 'string' || m.text.length === 0) p.push('text (the notification fallback) is missing');
    else {
      if (m.text.length > 40000) p.push('text is over 40000 characters');
      p.push(...mrkdwnProblems(m.text, 'text'));
    }
    if (!Array.isArray(m.blocks)) return [...p, 'blocks is not an array'];
    if (m.blocks.length === 0 || m.blocks.length > 50) p.push(`${m.blocks.length} blocks (1–50 allowed)`);
    m.blocks.forEach((b, i) => p.push(...blockProblems(b, `blocks[${i}]`)));
    return p;
  }

  protected invalidAnswer(problems: string[]): ScriptedAnswer {
    return problems.includes('wrong webhook path') ? { status: 404, body: 'no_service' } : { status: 400, body: 'invalid_payload' };
  }

  protected successAnswer(): ScriptedAnswer {
    return { status: 200, body: 'ok' };
  }

  protected override defaultBody(status: number): string | undefined {
    return status === 200 ? 'ok' : ERRORS[status];
  }
}

function textObject(t: unknown, where: string, max: number, kinds: readonly string[]): string[] {
  if (!isObject(t)) return [`${where} is not a text object`];
  const p = unknownKeys(t, ['type', 'text', 'emoji', 'verbatim'], where);
  if (!kinds.includes(t.type as string)) p.push(`${where}.type ${JSON.stringify(t.type)}`);
  if (typeof t.text !== 'string' || t.text.length === 0) return [...p, `${where}.text is empty`];
  if (t.text.length > max) p.push(`${where}.text is ${t.text.length} characters (max ${max})`);
  if (t.type === 'mrkdwn') p.push(...mrkdwnProblems(t.text, where));
  else if (INVISIBLE.test(t.text)) p.push(`${where}: invisible character not made visible`);
  return p;
}

function mrkdwnProblems(text: string, where: string): string[] {
  const p: string[] = [];
  if (/[<>]/.test(text)) p.push(`${where}: raw < or > in mrkdwn (must be &lt; &gt;)`);
  if (INVISIBLE.test(text)) p.push(`${where}: invisible character not made visible`);
  return p;
}

function blockProblems(b: unknown, where: string): string[] {
  if (!isObject(b)) return [`${where} is not an object`];
  if (b.block_id !== undefined && (typeof b.block_id !== 'string' || b.block_id.length > 255)) return [`${where}.block_id`];
  switch (b.type) {
    case 'header':
      return [...unknownKeys(b, ['type', 'text', 'block_id'], where), ...textObject(b.text, `${where}.text`, 150, ['plain_text'])];
    case 'section': {
      const p = unknownKeys(b, ['type', 'text', 'fields', 'block_id'], where);
      if (b.text === undefined && b.fields === undefined) p.push(`${where} needs text or fields`);
      if (b.text !== undefined) p.push(...textObject(b.text, `${where}.text`, 3000, ['mrkdwn', 'plain_text']));
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields) || b.fields.length === 0 || b.fields.length > 10) p.push(`${where}.fields must have 1–10 items`);
        else b.fields.forEach((f, i) => p.push(...textObject(f, `${where}.fields[${i}]`, 2000, ['mrkdwn', 'plain_text'])));
      }
      return p;
    }
    case 'actions': {
      const p = unknownKeys(b, ['type', 'elements', 'block_id'], where);
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25) return [...p, `${where}.elements must have 1–25 items`];
      b.elements.forEach((e, i) => {
        const w = `${where}.elements[${i}]`;
        if (!isObject(e) || e.type !== 'button') return void p.push(`${w} is not a button`);
        p.push(...unknownKeys(e, ['type', 'text', 'url', 'action_id', 'value', 'style'], w));
        p.push(...textObject(e.text, `${w}.text`, 75, ['plain_text']));
        if (e.url !== undefined && (!isHttpUrl(e.url) || (e.url as string).length > 3000)) p.push(`${w}.url`);
        if (e.action_id !== undefined && (typeof e.action_id !== 'string' || e.action_id.length > 255)) p.push(`${w}.action_id`);
      });
      return p;
    }
    case 'context': {
      const p = unknownKeys(b, ['type', 'elements', 'block_id'], where);
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) return [...p, `${where}.elements must have 1–10 items`];
      b.elements.forEach((e, i) => p.push(...textObject(e, `${where}.elements[${i}]`, 3000, ['mrkdwn', 'plain_text'])));
      return p;
    }
    case 'divider':
      return unknownKeys(b, ['type', 'block_id'], where);
    default:
      return [`${where}: block type ${JSON.stringify(b.type)} not used by Driftwatch`];
  }
}
