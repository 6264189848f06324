import { resolve } from 'node:path';
import { ConfigError, createLogger, loadConfig, readRuntimeEnv } from '@driftwatch/runtime';
import { createRedisStore, verifyDatabaseAuditChain, type AuditChainReport } from '@driftwatch/store';
import { CliError, parse } from './common.js';
import { EXIT_STATE_REFUSED, dataDirOf, storeRefusal, stringOption, type StoreCommandIo } from './store-files.js';

const USAGE = `usage: driftwatch audit verify [--data-dir DIR] [--config FILE] [--json]
  Checks the audit trail's hash chain: exit 0 when every record verifies, 1 naming the first
  record that does not, ${EXIT_STATE_REFUSED} when the embedded database itself is refused.`;

function describe(report: AuditChainReport, where: string): string {
  const mismatches = report.quarantineMismatches ?? [];
  if (!report.firstBreak && mismatches.length) {
    return (
      `audit trail chain intact (${where}): ${report.checked} records verified; but the quarantine state disagrees with it:\n` +
      mismatches.map((m) => `  server ${m.serverId} (action ${m.actionId}): ${m.problem}\n`).join('')
    );
  }
  if (report.ok) {
    return `audit trail OK (${where}): ${report.checked} records verified; head ${report.head.seq}:${report.head.hash} (record it elsewhere to detect a rewrite of the whole chain)\n`;
  }
  const b = report.firstBreak!;
  const who = [b.actionId && `action ${b.actionId}`, b.serverId && `server ${b.serverId}`, b.time].filter(Boolean).join(', ');
  return `audit trail BROKEN (${where}) at record ${b.seq ?? '?'}${who ? ` (${who})` : ''}: ${b.problem}; ${report.checked} records verified before it\n`;
}

/**
 * `driftwatch audit verify`: the embedded store's chain straight from its database (works beside a
 * running `driftwatch start`: it only reads), or the distributed store's when REDIS_URL and
 * KAFKA_BROKERS are set (for a store that keeps a chain).
 */
export async function audit(argv: string[], io: StoreCommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'verify') throw new CliError(sub === undefined || sub === 'help' || sub === '--help' ? USAGE : `unknown subcommand "${sub}"\n${USAGE}`);
  const { values, positionals } = parse(rest, { 'data-dir': { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length) throw new CliError(USAGE);
  const env = io.env ?? process.env;
  // With the config, a record removed by retention must really be past the configured retention.
  let auditRetentionDays: number | undefined;
  const configPath = stringOption(values.config);
  if (configPath) {
    try {
      auditRetentionDays = (await loadConfig(resolve(configPath))).api.auditRetentionDays;
    } catch (err) {
      if (err instanceof ConfigError) throw new CliError(err.message);
      throw err;
    }
  }
  let runtime;
  try {
    runtime = readRuntimeEnv(env);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  let report: AuditChainReport;
  let where: string;
  if (runtime.redisUrl && runtime.kafkaBrokers?.length) {
    const logger = createLogger({ name: 'driftwatch-audit', level: 'warn', destination: { write: (s: string) => void io.stderr(s) } });
    const store = createRedisStore({ url: runtime.redisUrl, logger, keyPrefix: 'dw:', ...(auditRetentionDays !== undefined ? { auditRetentionDays } : {}) });
    try {
      if (!store.verifyAuditChain) throw new CliError('the Redis store of this version keeps no audit hash chain to verify', 1);
      report = await store.verifyAuditChain();
    } finally {
      await store.close();
    }
    where = 'redis';
  } else {
    const dir = dataDirOf(stringOption(values['data-dir']), env, true);
    const options = { ...(auditRetentionDays !== undefined ? { auditRetentionDays } : {}), ...(io.now ? { now: io.now } : {}) };
    const result = await verifyDatabaseAuditChain(dir, options).catch(storeRefusal);
    report = result;
    where = result.file;
  }
  io.stdout(values.json ? `${JSON.stringify({ ...report, store: where }, null, 2)}\n` : describe(report, where));
  return report.ok && !report.quarantineMismatches?.length ? 0 : 1;
}
