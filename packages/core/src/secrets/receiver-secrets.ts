import type { Receivers } from '../config/receivers.js';
import type { SecretValue } from './scrubber.js';
import { isCredentialName, looksGenerated, LITERAL_SECRET_MIN_LENGTH } from './server-secrets.js';

/**
 * The secret values of the configured receivers, for the process-wide log scrubber: routing
 * keys, HMAC secrets and HEC tokens at any length; a Slack webhook URL whole and its path (the
 * path is the credential); configured header values by the same rule as server headers
 * (credential-named or generated-looking). Each is named by where it was configured, never by value.
 */
export function secretsOfReceivers(receivers: Receivers | undefined): SecretValue[] {
  const out: SecretValue[] = [];
  const headers = (name: string, field: string, h: Record<string, string> | undefined): void => {
    for (const [header, value] of Object.entries(h ?? {})) {
      if (value.length >= LITERAL_SECRET_MIN_LENGTH && (isCredentialName(header) || looksGenerated(value))) {
        out.push({ value, source: `receiver:${name}:${field}:${header}` });
      }
    }
  };
  for (const [name, r] of Object.entries(receivers ?? {})) {
    switch (r.type) {
      case 'pagerduty':
        out.push({ value: r.routingKey, source: `receiver:${name}:routingKey` });
        break;
      case 'slack': {
        out.push({ value: r.webhookUrl, source: `receiver:${name}:webhookUrl` });
        const path = safePath(r.webhookUrl);
        if (path && path.length > 1) out.push({ value: path, source: `receiver:${name}:webhookUrl` });
        break;
      }
      case 'webhook':
        out.push({ value: r.secret, source: `receiver:${name}:secret` });
        headers(name, 'headers', r.headers);
        break;
      case 'ocsf':
        if (r.splunkHec) out.push({ value: r.splunkHec.token, source: `receiver:${name}:splunkHec.token` });
        if (r.http) headers(name, 'http.headers', r.http.headers);
        break;
    }
  }
  return out;
}

function safePath(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return undefined;
  }
}
