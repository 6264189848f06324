// Helpers for integration tests: where the real services are, and names that never collide.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

function fromEnvOrInject(variable: 'KAFKA_BROKERS' | 'REDIS_URL', key: 'kafkaBrokers' | 'redisUrl'): string {
  const value = process.env[variable]?.trim() || inject(key);
  if (!value) {
    throw new Error(`${variable} is not set: run this test in the "integration" vitest project (test/infra/global-setup.ts)`);
  }
  return value;
}

/** Kafka bootstrap brokers, e.g. ['127.0.0.1:9092']. */
export function kafkaBrokers(): string[] {
  return fromEnvOrInject('KAFKA_BROKERS', 'kafkaBrokers')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

/** Redis URL, e.g. redis://127.0.0.1:6390. */
export function redisUrl(): string {
  return fromEnvOrInject('REDIS_URL', 'redisUrl');
}

let counter = 0;

/**
 * A name unique to this run, worker and call; safe as a Kafka topic or group id and a Redis key
 * prefix (letters, digits, ".", "_", "-"), so tests sharing one broker never see each other.
 */
export function uniqueName(prefix: string): string {
  const safe = prefix.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100);
  counter += 1;
  return `${safe}-${process.pid}-${Date.now().toString(36)}-${counter}-${randomBytes(3).toString('hex')}`;
}
