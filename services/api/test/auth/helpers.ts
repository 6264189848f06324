import { pino, type Logger } from 'pino';

/** A clock the test moves by hand. */
export function fakeClock(startIso = '2026-03-01T12:00:00.000Z') {
  let t = Date.parse(startIso);
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
    set(iso: string) {
      t = Date.parse(iso);
    },
  };
}

/** A debug-level logger whose output the test can search (for secrets that must not be there). */
export function captureLogger(): { logger: Logger; text: () => string } {
  const out: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void out.push(s) });
  return { logger, text: () => out.join('') };
}

export const DAY_MS = 86_400_000;
