import { existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { TOPICS } from '@driftwatch/core';
import { createInProcessBus, createKafkaBus, type BusPort } from '@driftwatch/bus';
import { createRedisStore, createSqliteStore, StoreCorruptError, StoreLockedError, type StatePort } from '@driftwatch/store';
import { ConfigError, createLogger, HttpError, readRuntimeEnv, type Logger } from '@driftwatch/runtime';
import { ConflictError, createKey, listKeys, revokeKey, type ApiKeyView, type KeyDeps } from '@driftwatch/api';
import { CliError, parse } from './common.js';
import { EXIT_STATE_REFUSED } from './store-files.js';

export interface KeysIo {
  /** Only the token (create) or the listing goes here, so `$(driftwatch keys create …)` captures just the token. */
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

const USAGE = `usage: driftwatch keys create --scope read|operate|admin --name NAME [--owner X] --expires 30d|12h|DATE [--data-dir DIR]
       driftwatch keys list [--json] [--data-dir DIR]
       driftwatch keys revoke ID [--reason TEXT] [--data-dir DIR]`;

/** What the HTTP API offers instead, for the message when the data directory is in use. */
const API_ALTERNATIVE = {
  create: 'POST /v1/keys',
  list: 'GET /v1/keys',
  revoke: 'DELETE /v1/keys/ID',
} as const;
type Sub = keyof typeof API_ALTERNATIVE;

/** Who the audit trail names for a key managed from a shell on this host. */
function cliActor(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = `uid-${process.getuid?.() ?? 'unknown'}`; // no passwd entry (a container's arbitrary uid)
  }
  return `cli:${user}@${hostname()}`.slice(0, 256);
}

interface Ports {
  store: StatePort;
  bus: BusPort;
  close(): Promise<void>;
}

/**
 * The store `driftwatch start` would use: Redis when REDIS_URL and KAFKA_BROKERS are set, else the
 * SQLite store in the data directory. It is one process's at a time (a LOCK file with its pid):
 * a second writer would fight the running one for the database. While `driftwatch start` runs on
 * the directory the lock refuses us, and we say what to do instead.
 */
async function openPorts(sub: Sub, dataDirFlag: string | undefined, env: NodeJS.ProcessEnv, logger: Logger): Promise<Ports> {
  let runtime;
  try {
    runtime = readRuntimeEnv(env);
  } catch (err) {
    throw new CliError(err instanceof ConfigError ? err.message : (err as Error).message);
  }
  const brokers = runtime.kafkaBrokers ?? [];
  if (brokers.length > 0 && runtime.redisUrl) {
    const store = createRedisStore({ url: runtime.redisUrl, logger, keyPrefix: 'dw:' });
    const bus = createKafkaBus({ brokers, clientId: 'driftwatch-cli-keys', logger });
    try {
      await bus.ensureTopics([TOPICS.actions]);
    } catch (err) {
      await Promise.allSettled([bus.close(), store.close()]);
      throw err;
    }
    return { store, bus, close: async () => void (await Promise.allSettled([bus.close(), store.close()])) };
  }
  if (brokers.length > 0 || runtime.redisUrl) {
    throw new CliError('set both KAFKA_BROKERS and REDIS_URL (the distributed store), or neither (the file store in the data directory)');
  }
  const dir = resolve(dataDirFlag ?? runtime.dataDir ?? '.driftwatch');
  if (sub !== 'create' && !existsSync(dir)) throw new CliError(`no data directory at ${dir} (set --data-dir or DRIFTWATCH_DATA_DIR)`, 1);
  let store: StatePort;
  try {
    store = await createSqliteStore({ dir, logger });
  } catch (err) {
    if (err instanceof StoreCorruptError) throw new CliError(`refusing ${err.message}`, EXIT_STATE_REFUSED);
    if (err instanceof StoreLockedError) {
      const pid = err.holderPid === null ? '' : ` (pid ${err.holderPid})`;
      throw new CliError(`driftwatch is running on this data dir${pid}: ${dir}; stop it or use ${API_ALTERNATIVE[sub]} with an admin key`, 1);
    }
    throw err;
  }
  // Embedded: nobody else listens on an in-process bus; the audit entry is in the store.
  const bus = createInProcessBus({ logger });
  return { store, bus, close: async () => void (await Promise.allSettled([bus.close(), store.close()])) };
}

function table(keys: ApiKeyView[]): string {
  const rows = [['ID', 'NAME', 'SCOPE', 'STATUS', 'EXPIRES', 'OWNER'], ...keys.map((k) => [k.id, k.name, k.scope, k.status, k.expiresAt, k.owner])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** HttpError / ConflictError from the operations become CLI errors with their message. */
async function operation<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HttpError) throw new CliError(err.message, err.status === 400 ? 2 : 1);
    if (err instanceof ConflictError) throw new CliError(err.message, 1);
    throw err;
  }
}

/** `driftwatch keys create|list|revoke`. Resolves to the exit code; throws CliError for refusals. */
export async function keys(argv: string[], io: KeysIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
    throw new CliError(sub === undefined || sub === 'help' || sub === '--help' ? USAGE : `unknown subcommand "${sub}"\n${USAGE}`);
  }
  const { values, positionals } = parse(rest, {
    scope: { type: 'string' },
    name: { type: 'string' },
    owner: { type: 'string' },
    expires: { type: 'string' },
    reason: { type: 'string' },
    json: { type: 'boolean' },
    'data-dir': { type: 'string' },
  });
  const allowed: Record<Sub, string[]> = {
    create: ['scope', 'name', 'owner', 'expires', 'data-dir'],
    list: ['json', 'data-dir'],
    revoke: ['reason', 'data-dir'],
  };
  const extra = Object.keys(values).filter((k) => !allowed[sub].includes(k));
  if (extra.length) throw new CliError(`keys ${sub} does not take --${extra[0]}\n${USAGE}`);
  if (sub === 'revoke' ? positionals.length !== 1 : positionals.length !== 0) throw new CliError(USAGE);
  if (sub === 'create') {
    const missing = ['scope', 'name', 'expires'].filter((k) => values[k as keyof typeof values] === undefined);
    if (missing.length) throw new CliError(`keys create needs --${missing.join(', --')}\n${USAGE}`);
  }

  const str = (k: string): string | undefined => {
    const v = (values as Record<string, unknown>)[k];
    return typeof v === 'string' ? v : undefined;
  };
  const env = io.env ?? process.env;
  // Logs go to stderr and only when something is wrong: stdout carries the token or the listing.
  const logger = createLogger({ name: 'driftwatch-keys', level: 'warn', destination: { write: (s: string) => void io.stderr(s) } });
  const ports = await openPorts(sub, str('data-dir'), env, logger);
  try {
    const deps: KeyDeps = { store: ports.store, bus: ports.bus, now: io.now ?? (() => new Date()), logger };
    if (sub === 'create') {
      const body = { name: str('name'), scope: str('scope'), expires: str('expires'), ...(str('owner') !== undefined ? { owner: str('owner') } : {}) };
      const { token, key } = await operation(() => createKey(deps, body, cliActor()));
      io.stdout(`${token}\n`);
      io.stderr(
        `created API key ${key.id} "${key.name}" (scope ${key.scope}, owner ${key.owner}, expires ${key.expiresAt}).\n` +
          'The token above is shown once: Driftwatch keeps only its hash. Use it as "Authorization: Bearer <token>".\n',
      );
      return 0;
    }
    if (sub === 'list') {
      const { keys: list } = await operation(() => listKeys(deps));
      io.stdout(values.json ? `${JSON.stringify({ keys: list }, null, 2)}\n` : list.length ? table(list) : 'no API keys\n');
      return 0;
    }
    const id = positionals[0]!;
    const { key } = await operation(() => revokeKey(deps, id, cliActor(), str('reason')));
    io.stdout(`revoked API key ${key.id} "${key.name}" at ${key.revokedAt}\n`);
    return 0;
  } finally {
    await ports.close();
  }
}
