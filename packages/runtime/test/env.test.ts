import { describe, expect, it } from 'vitest';
import { ConfigError, readRuntimeEnv } from '../src/index.js';

function envError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    readRuntimeEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected readRuntimeEnv to throw');
}

describe('readRuntimeEnv', () => {
  it('reads every variable', () => {
    expect(
      readRuntimeEnv({
        KAFKA_BROKERS: 'kafka-0:9092, kafka-1.kafka.svc:9093,[::1]:9094',
        REDIS_URL: 'rediss://:pw@redis.internal:6380/0',
        DRIFTWATCH_CONFIG: '/etc/driftwatch/config.yaml',
        DRIFTWATCH_DATA_DIR: '/var/lib/driftwatch',
        PORT: '8080',
        LOG_LEVEL: 'debug',
        DRIFTWATCH_INSTANCE_ID: 'poller-7',
      }),
    ).toEqual({
      kafkaBrokers: ['kafka-0:9092', 'kafka-1.kafka.svc:9093', '[::1]:9094'],
      redisUrl: 'rediss://:pw@redis.internal:6380/0',
      configPath: '/etc/driftwatch/config.yaml',
      dataDir: '/var/lib/driftwatch',
      port: 8080,
      logLevel: 'debug',
      instanceId: 'poller-7',
    });
  });

  it('an empty environment means embedded mode with a generated instance id', () => {
    const env = readRuntimeEnv({ REDIS_URL: '', KAFKA_BROKERS: '' });
    expect(env).toEqual({ instanceId: expect.stringMatching(new RegExp(`-${process.pid}$`)) as unknown as string });
  });

  it('names each bad variable and never echoes REDIS_URL', () => {
    const err = envError({ KAFKA_BROKERS: 'kafka:9092,kafka', REDIS_URL: 'http://user:hunter2@redis:6379', PORT: '99999', LOG_LEVEL: 'loud' });
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(4);
    expect(err.message).toContain('environment: KAFKA_BROKERS: must be a comma-separated list of host:port (entry 2 is not)');
    expect(err.message).toContain('environment: REDIS_URL: must be a redis:// or rediss:// URL');
    expect(err.message).toMatch(/environment: PORT: /);
    expect(err.message).toMatch(/environment: LOG_LEVEL: must be one of/);
    expect(err.message).not.toContain('hunter2');
  });

  it('rejects brokers with a bad port', () => {
    expect(envError({ KAFKA_BROKERS: 'kafka:0' }).issues[0]?.path).toBe('KAFKA_BROKERS');
    expect(envError({ KAFKA_BROKERS: 'kafka:70000' }).issues[0]?.path).toBe('KAFKA_BROKERS');
    expect(envError({ KAFKA_BROKERS: 'kafka:92a' }).issues[0]?.path).toBe('KAFKA_BROKERS');
  });
});
