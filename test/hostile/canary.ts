/**
 * Where the canary secret of the echo-secret fixtures ended up. The canary test proper is
 * another suite's; the driver reports the same look for free since it already holds every
 * place a secret could leak to (logs, data dir, API answers, /metrics).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Canary } from './config.js';

export function makeCanary(): Canary {
  const hex = randomBytes(8).toString('hex');
  // "~" and "!" never occur in base64 or hex, so a hit on the short form is not a coincidence.
  const short = `~${randomBytes(2).toString('hex').slice(0, 3)}!`;
  return { secret: `dw-canary-"${hex}"\\end`, short };
}

/** The forms a leaky pipeline lets through (the ones the fixture writes, plus a bare JSON.stringify). */
export function canaryForms(c: Canary): Array<{ form: string; value: string }> {
  return [
    { form: 'raw', value: c.secret },
    { form: 'base64', value: Buffer.from(c.secret).toString('base64') },
    { form: 'base64url', value: Buffer.from(c.secret).toString('base64url') },
    { form: 'json-escaped', value: JSON.stringify(c.secret).slice(1, -1) },
    { form: 'url-encoded', value: encodeURIComponent(c.secret) },
    // The raw secret's distinctive middle, in case a redactor cut only its ends.
    { form: 'raw-core', value: c.secret.slice(12, 26) },
    { form: 'short', value: c.short },
  ];
}

/** Forms of the canary found in `text`. */
export function findCanary(text: string, c: Canary): string[] {
  return canaryForms(c)
    .filter(({ value }) => text.includes(value))
    .map(({ form }) => form);
}

/** Every file under `dir` (bounded: 64 MiB per file), relative path → forms found. */
export function scanDir(dir: string, c: Canary): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(d, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(path);
      else if (st.isFile() && st.size <= 64 * 1024 * 1024) {
        const hits = findCanary(readFileSync(path, 'latin1'), c);
        if (hits.length) out[relative(dir, path)] = hits;
      }
    }
  };
  walk(dir);
  return out;
}
