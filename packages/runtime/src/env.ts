import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { LOG_LEVELS } from './logger.js';

export interface RuntimeEnvValues {
  kafkaBrokers?: string[];
  redisUrl?: string;
  configPath?: string;
  dataDir?: string;
  port?: number;
  logLevel?: string;
  instanceId: string;
}

/** Compose files often write `REDIS_URL=` to mean "unset"; treat empty as absent. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

// host:port where host is a DNS name, an IPv4 address or a bracketed IPv6 address.
const BROKER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

const KafkaBrokers = z.string().transform((raw, ctx) => {
  const brokers = raw.split(',').map((b) => b.trim()).filter((b) => b !== '');
  const bad = brokers
    .map((b, i) => ({ i, m: BROKER.exec(b) }))
    .filter(({ m }) => !m || Number(m[1]) < 1 || Number(m[1]) > 65535);
  if (brokers.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message:
        brokers.length === 0
          ? 'must list at least one broker as host:port'
          : `must be a comma-separated list of host:port (entry ${bad.map(({ i }) => i + 1).join(', ')} is not)`,
    });
    return z.NEVER;
  }
  return brokers;
});

// Never echo the value: a Redis URL usually carries a password.
const RedisUrl = z.string().refine(
  (raw) => {
    try {
      const url = new URL(raw);
      return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: 'must be a redis:// or rediss:// URL' },
);

const Port = z
  .string()
  .regex(/^\d{1,5}$/, 'must be a port number')
  .transform(Number)
  .refine((n) => n <= 65535, 'must be a port number between 0 and 65535');

export const RuntimeEnv: z.ZodType<RuntimeEnvValues> = z
  .object({
    KAFKA_BROKERS: optional(KafkaBrokers),
    REDIS_URL: optional(RedisUrl),
    DRIFTWATCH_CONFIG: optional(z.string().max(4096)),
    DRIFTWATCH_DATA_DIR: optional(z.string().max(4096)),
    PORT: optional(Port),
    LOG_LEVEL: optional(z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })),
    DRIFTWATCH_INSTANCE_ID: optional(z.string().max(256)),
  })
  .transform((e): RuntimeEnvValues => {
    const out: RuntimeEnvValues = { instanceId: e.DRIFTWATCH_INSTANCE_ID ?? `${hostname()}-${process.pid}` };
    if (e.KAFKA_BROKERS) out.kafkaBrokers = e.KAFKA_BROKERS;
    if (e.REDIS_URL !== undefined) out.redisUrl = e.REDIS_URL;
    if (e.DRIFTWATCH_CONFIG !== undefined) out.configPath = e.DRIFTWATCH_CONFIG;
    if (e.DRIFTWATCH_DATA_DIR !== undefined) out.dataDir = e.DRIFTWATCH_DATA_DIR;
    if (e.PORT !== undefined) out.port = e.PORT;
    if (e.LOG_LEVEL !== undefined) out.logLevel = e.LOG_LEVEL;
    return out;
  });

/** Reads the process environment; throws ConfigError (source "environment") naming each bad variable. */
export function readRuntimeEnv(env: NodeJS.ProcessEnv = process.env): RuntimeEnvValues {
  const result = RuntimeEnv.safeParse(env);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  throw new ConfigError('CONFIG_INVALID', issues, 'environment');
}
