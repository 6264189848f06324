import kafkajs from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { pinoLogCreator, REPEAT_WINDOW_MS } from '../src/kafka-log.js';

const { logLevel } = kafkajs;

function capture(): { lines: { level: number; msg: string; namespace?: string; broker?: string }[]; logger: pino.Logger } {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'trace' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { lines, logger };
}

describe('kafkajs → pino', () => {
  it('keeps errors and warnings, turns INFO chatter into debug, and carries the extra fields', () => {
    const { lines, logger } = capture();
    const log = pinoLogCreator(logger)(logLevel.INFO);
    const entry = (level: number, namespace: string, message: string) =>
      log({ level, namespace, label: '', log: { timestamp: 'now', logger: 'kafkajs', message, broker: 'b:1' } });
    entry(logLevel.ERROR, 'Consumer', 'Crash: boom');
    entry(logLevel.WARN, 'Runner', 'rebalancing');
    entry(logLevel.INFO, 'Consumer', 'Starting');
    entry(logLevel.ERROR, 'Connection', 'Response Produce(key: 0, version: 7)');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, 'Crash: boom'],
      [40, 'rebalancing'],
      [20, 'Starting'],
      [20, 'Response Produce(key: 0, version: 7)'],
    ]);
    expect(lines[0]).toMatchObject({ namespace: 'Consumer', broker: 'b:1', library: 'kafkajs' });
    expect(lines[0]).not.toHaveProperty('timestamp');
  });

  it('writes a repeated error once per window, then says how many it left out', () => {
    const { lines, logger } = capture();
    let t = 0;
    const log = pinoLogCreator(logger, () => t)(logLevel.INFO);
    const refused = () => log({ level: logLevel.ERROR, namespace: 'Connection', label: '', log: { timestamp: 'now', message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' } });
    for (let i = 0; i < 50; i++) {
      refused();
      t += 100;
    }
    // Another line in the same window is its own key.
    log({ level: logLevel.ERROR, namespace: 'Consumer', label: '', log: { timestamp: 'now', message: 'Crash: boom' } });
    expect(lines.map((l) => l.msg)).toEqual(['Connection error: connect ECONNREFUSED 127.0.0.1:9092', 'Crash: boom']);
    t += REPEAT_WINDOW_MS;
    refused();
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ msg: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', repeatedSinceLastLine: 49 });
  });
});
