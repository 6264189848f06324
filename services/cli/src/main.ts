import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { ConfigError, createLogger, installShutdown, loadConfig, readRuntimeEnv } from '@driftwatch/runtime';
import { VERSION } from './version.js';
import { ROLES, startApp, UsageError, type Role } from './app.js';
import { CliError } from './commands/common.js';
import { keys } from './commands/keys.js';
import { importServers } from './commands/import.js';
import { lint } from './commands/lint.js';
import { scan } from './commands/scan.js';
import { audit } from './commands/audit.js';
import { backup, restore } from './commands/backup.js';
import { EXIT_STATE_REFUSED } from './commands/store-files.js';
import { StoreCorruptError, StoreLockedError } from '@driftwatch/store';

const USAGE = `driftwatch — watch MCP servers for drift and tool poisoning

Usage:
  driftwatch start     --config FILE [--port N] [--data-dir DIR] [--host ADDR]
                                                                   every service in one process
                                                                   (listens on 127.0.0.1 unless --host)
  driftwatch poller    --config FILE [--port N]                     one service (distributed mode)
  driftwatch differ    --config FILE [--port N]
  driftwatch responder --config FILE [--port N]
  driftwatch api       --config FILE [--port N] [--host ADDR]        (workers listen on 0.0.0.0)
  driftwatch lint FILE [--format text|json|sarif] [--fail-on SEVERITY]
  driftwatch scan --config FILE [--server ID]... [--baseline FILE] [--write-baseline FILE]
                  [--format text|json|sarif] [--fail-on SEVERITY]
  driftwatch keys create --scope read|operate|admin --name NAME [--owner X] --expires 30d|12h|DATE
                                                                   issue an API key; prints the token
                                                                   once on stdout (the rest on stderr)
  driftwatch keys list [--json]                                      every key, with its status
  driftwatch keys revoke ID [--reason TEXT]                          refused from the next request on
                  (keys: same store as start: Redis when REDIS_URL and KAFKA_BROKERS are set, else
                  --data-dir / DRIFTWATCH_DATA_DIR; stop "driftwatch start" first, or use /v1/keys)
  driftwatch import FILE [--format auto|claude-desktop|claude-code|vscode|cursor|server-json]
                  [--dry-run] [--output text|json|yaml] [--approval required|auto] [--tag TAG]...
                  [--allow-private-network] [--api URL]
                                                                   add a client config's MCP servers
                                                                   to the catalog (POST /v1/servers)
  driftwatch backup FILE [--data-dir DIR]                           online copy of the embedded database
                                                                   (safe while "driftwatch start" runs)
  driftwatch restore FILE [--data-dir DIR]                          replace it with a backup (stop
                                                                   "driftwatch start" first; the old
                                                                   database is renamed aside)
  driftwatch audit verify [--data-dir DIR] [--config FILE] [--json]  check the audit trail's hash chain;
                                                                   exit 1 naming the first bad record
  driftwatch help | --version

Environment:
  KAFKA_BROKERS, REDIS_URL   both set: distributed mode on Kafka and Redis; neither: embedded mode
  DRIFTWATCH_CONFIG          config file when --config is not given
  DRIFTWATCH_DATA_DIR        embedded state directory (default .driftwatch)
  PORT                       HTTP port (default 7420 for start/api, 9464 for the workers)
  LOG_LEVEL                  pino level (default info)
  DRIFTWATCH_PAGER_WEBHOOK   URL that receives pages as JSON (default: a log line)
  DRIFTWATCH_API_KEY         admin API key that \`import\` sends as a bearer token

Exit code ${EXIT_STATE_REFUSED}: the embedded state was refused (database damaged, emptied, missing, or not
this directory's); the message names the file. Restore a backup with "driftwatch restore FILE".
`;

/** Runs the CLI; resolves to the process exit code (services resolve only after shutdown). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === 'version') {
    process.stdout.write(`driftwatch ${VERSION}\n`);
    return 0;
  }
  if (command === 'lint' || command === 'scan' || command === 'import') {
    const run = command === 'lint' ? lint : command === 'scan' ? scan : importServers;
    try {
      return await run(rest, (s) => process.stdout.write(s));
    } catch (err) {
      if (err instanceof CliError) {
        process.stderr.write(`driftwatch ${command}: ${err.message}\n`);
        return err.exitCode;
      }
      throw err;
    }
  }
  if (command === 'keys' || command === 'backup' || command === 'restore' || command === 'audit') {
    const run = command === 'keys' ? keys : command === 'backup' ? backup : command === 'restore' ? restore : audit;
    try {
      return await run(rest, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
    } catch (err) {
      if (err instanceof CliError) {
        process.stderr.write(`driftwatch ${command}: ${err.message}\n`);
        return err.exitCode;
      }
      throw err;
    }
  }
  if (command === 'start' || (ROLES as readonly string[]).includes(command)) {
    return runServices(command === 'start' ? ROLES : [command as Role], rest);
  }
  process.stderr.write(`driftwatch: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

async function runServices(roles: readonly Role[], argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        'data-dir': { type: 'string' },
        host: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`driftwatch: ${(err as Error).message}\n`);
    return 2;
  }
  let env;
  try {
    env = readRuntimeEnv();
  } catch (err) {
    process.stderr.write(`driftwatch: ${(err as Error).message}\n`);
    return 2;
  }
  const configPath = values.config ?? env.configPath;
  if (!configPath) {
    process.stderr.write('driftwatch: --config FILE is required (or set DRIFTWATCH_CONFIG)\n');
    return 2;
  }
  const port = values.port !== undefined ? Number(values.port) : (env.port ?? (roles.includes('api') ? 7420 : 9464));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`driftwatch: --port must be an integer from 0 to 65535 (got "${values.port}")\n`);
    return 2;
  }

  const logger = createLogger({ name: 'driftwatch', ...(env.logLevel ? { level: env.logLevel } : {}) });
  let config;
  try {
    config = await loadConfig(resolve(configPath));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`driftwatch: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  let app;
  try {
    app = await startApp({
      roles,
      config,
      logger,
      ...(env.kafkaBrokers ? { kafkaBrokers: env.kafkaBrokers } : {}),
      ...(env.redisUrl ? { redisUrl: env.redisUrl } : {}),
      dataDir: resolve(values['data-dir'] ?? env.dataDir ?? '.driftwatch'),
      port,
      // The API has no authentication of its own: the all-in-one process (a laptop, a demo) listens
      // on loopback unless told otherwise; the single-service containers listen on all interfaces.
      host: values.host ?? (roles.length === ROLES.length ? '127.0.0.1' : '0.0.0.0'),
      instanceId: env.instanceId,
      // Reloaded on SIGHUP (and on change with `catalog: file`): the catalog follows the file.
      configPath: resolve(configPath),
      ...(process.env.DRIFTWATCH_PAGER_WEBHOOK ? { pagerWebhook: process.env.DRIFTWATCH_PAGER_WEBHOOK } : {}),
    });
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`driftwatch: ${err.message}\n`);
      return 2;
    }
    // One line naming the file, and a code of its own: never start on part of the state.
    if (err instanceof StoreCorruptError) {
      process.stderr.write(`driftwatch: refusing to start: ${err.message}\n`);
      return EXIT_STATE_REFUSED;
    }
    if (err instanceof StoreLockedError) {
      process.stderr.write(`driftwatch: ${err.message}\n`);
      return 1;
    }
    logger.fatal({ err }, 'driftwatch could not start');
    return 1;
  }

  const done = new Promise<number>((resolveExit) => {
    installShutdown({ logger, steps: app.shutdownSteps(), exit: (code) => resolveExit(code) });
  });
  return done;
}
