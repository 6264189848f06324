import { HttpError } from '@driftwatch/runtime';

/** The longest a key may live: a little over a year, so every key is reviewed at least yearly. */
export const MAX_KEY_LIFETIME_DAYS = 400;
/** The shortest: below this a key would likely expire before anyone could use it. */
export const MIN_KEY_LIFETIME_MINUTES = 5;

const DAY_MS = 86_400_000;
const DURATION = /^([1-9]\d{0,4})([hd])$/;

/**
 * What `expires` may be: a duration (`30d`, `12h`) or an ISO date (`2026-06-30`, midnight UTC) or
 * date-time with an offset. One pattern, so the OpenAPI document shows it; the range is checked
 * against the clock by resolveExpiry.
 */
export const EXPIRES_PATTERN =
  /^(?:[1-9]\d{0,4}[hd]|\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?)$/;
export const EXPIRES_HINT = 'a duration such as "30d" or "12h", or an ISO date or date-time such as "2026-06-30" or "2026-06-30T12:00:00Z"';

/** The instant a key given `expires` at `now` stops working; HttpError 400 when out of range. */
export function resolveExpiry(expires: string, now: Date): Date {
  const invalid = (why: string) => new HttpError(400, 'invalid_expiry', `expires ${JSON.stringify(expires.slice(0, 40))}: ${why}`);
  if (!EXPIRES_PATTERN.test(expires)) throw invalid(`must be ${EXPIRES_HINT}`);
  const d = DURATION.exec(expires);
  let at: number;
  if (d) {
    at = now.getTime() + Number(d[1]) * (d[2] === 'd' ? DAY_MS : 3_600_000);
  } else {
    at = Date.parse(expires.length === 10 ? `${expires}T00:00:00Z` : expires);
    // Date.parse rolls 2026-02-31 over to March: compare the date part back.
    if (!Number.isFinite(at) || (expires.length === 10 && new Date(at).toISOString().slice(0, 10) !== expires)) throw invalid('is not a real date');
  }
  if (at < now.getTime() + MIN_KEY_LIFETIME_MINUTES * 60_000) throw invalid(`must be at least ${MIN_KEY_LIFETIME_MINUTES} minutes from now`);
  if (at > now.getTime() + MAX_KEY_LIFETIME_DAYS * DAY_MS) throw invalid(`must be at most ${MAX_KEY_LIFETIME_DAYS} days from now`);
  return new Date(at);
}
