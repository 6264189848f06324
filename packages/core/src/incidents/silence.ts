import { z } from 'zod';
import { Severity } from '../severity.js';
import { IsoTime, ServerId } from '../schemas/envelope.js';
import { KindGlob } from '../config/incidents.js';
import { globMatch } from './glob.js';

/** Every matcher given must match (AND); at least one is required, so no silence mutes everything by accident. */
export const SilenceMatchers = z
  .object({
    serverId: ServerId.optional(),
    /** A kind or a glob over kinds (`tool.*`). */
    kind: KindGlob.optional(),
    /** The server carries every one of these tags. */
    tags: z.array(z.string().min(1).max(64)).min(1).max(32).optional(),
    /** The alert's severity is one of these. */
    severity: z.array(Severity).min(1).max(5).optional(),
  })
  .strict()
  .refine((m) => Object.values(m).some((v) => v !== undefined), { message: 'give at least one matcher (serverId, kind, tags or severity)' });
export type SilenceMatchers = z.infer<typeof SilenceMatchers>;

export const SilenceSchema = z.object({
  id: z.string().min(1).max(200),
  matchers: SilenceMatchers,
  author: z.string().min(1).max(256),
  comment: z.string().min(1).max(2000),
  startsAt: IsoTime,
  endsAt: IsoTime,
  createdAt: IsoTime,
});
export type Silence = z.infer<typeof SilenceSchema>;

export function silenceIsActive(s: Silence, now: Date): boolean {
  const t = now.getTime();
  return Date.parse(s.startsAt) <= t && t < Date.parse(s.endsAt);
}

export function silenceMatches(
  s: Silence,
  alert: { serverId: string; kind: string; severity: Severity },
  serverTags: readonly string[],
  now: Date,
): boolean {
  if (!silenceIsActive(s, now)) return false;
  const m = s.matchers;
  if (m.serverId !== undefined && m.serverId !== alert.serverId) return false;
  if (m.kind !== undefined && !globMatch(m.kind, alert.kind)) return false;
  if (m.tags !== undefined && !m.tags.every((t) => serverTags.includes(t))) return false;
  if (m.severity !== undefined && !m.severity.includes(alert.severity)) return false;
  return true;
}
