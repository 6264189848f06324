// Routes kafkajs's own logging into pino. kafkajs INFO is chatty (every join, every stop), so it
// goes to debug; warnings and errors stay visible, except per-request error responses.
import kafkajs from 'kafkajs';
import type { logCreator } from 'kafkajs';
import type { Logger } from 'pino';

const { logLevel } = kafkajs;

export function pinoLogCreator(logger: Logger): logCreator {
  const log = logger.child({ component: 'kafkajs' });
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
    switch (entry.level) {
      case logLevel.ERROR:
        log.error(fields, message);
        break;
      case logLevel.WARN:
        log.warn(fields, message);
        break;
      case logLevel.INFO:
        log.debug(fields, message);
        break;
      default:
        log.trace(fields, message);
    }
  };
}
