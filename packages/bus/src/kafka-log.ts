// Routes kafkajs's own logging into pino. kafkajs INFO is chatty (every join, every stop), so it
// goes to debug; warnings and errors stay visible, except per-request error responses, and a line
// that repeats (every reconnect attempt while the broker is down) is written once per window.
import kafkajs from 'kafkajs';
import type { logCreator } from 'kafkajs';
import type { Logger } from 'pino';

const { logLevel } = kafkajs;

/** A repeated warning or error is written at most once per this window, with a count of the rest. */
export const REPEAT_WINDOW_MS = 10_000;
/** Distinct lines remembered; past this the memory is cleared (a bound, not a policy). */
const MAX_REMEMBERED = 500;

export function pinoLogCreator(logger: Logger, now: () => number = Date.now): logCreator {
  // `library`, not `component`: the bus's logger names its component already, and a second
  // "component" key in one JSON line is resolved to either value depending on the reader.
  const log = logger.child({ library: 'kafkajs' });
  // kafkajs logs every reconnect attempt of every client: an outage of minutes would be megabytes.
  const recent = new Map<string, { at: number; suppressed: number }>();
  const admit = (key: string): { write: boolean; repeated?: number } => {
    const t = now();
    const seen = recent.get(key);
    if (seen && t - seen.at < REPEAT_WINDOW_MS) {
      seen.suppressed++;
      return { write: false };
    }
    if (!seen && recent.size >= MAX_REMEMBERED) recent.clear();
    recent.set(key, { at: t, suppressed: 0 });
    return seen && seen.suppressed > 0 ? { write: true, repeated: seen.suppressed } : { write: true };
  };
  return () => (entry) => {
    const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry.log as {
      message: string;
      timestamp: string;
      logger?: string;
      [field: string]: unknown;
    };
    const fields = { namespace: entry.namespace, ...extra };
    // kafkajs logs every error *response* at ERROR (e.g. NOT_LEADER right after a topic is
    // created) and then retries it; the operation's own failure, if any, is reported by us.
    if (entry.namespace === 'Connection' && message.startsWith('Response ')) {
      log.debug(fields, message);
      return;
    }
    if (entry.level === logLevel.ERROR || entry.level === logLevel.WARN) {
      const { write, repeated } = admit(`${entry.level}|${entry.namespace}|${message}`);
      if (!write) return;
      const withCount = repeated === undefined ? fields : { ...fields, repeatedSinceLastLine: repeated };
      if (entry.level === logLevel.ERROR) log.error(withCount, message);
      else log.warn(withCount, message);
      return;
    }
    switch (entry.level) {
      case logLevel.INFO:
        log.debug(fields, message);
        break;
      default:
        log.trace(fields, message);
    }
  };
}
