import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLogger } from '@driftwatch/runtime';
import { backupDatabase, restoreDatabase } from '@driftwatch/store';
import { CliError, parse } from './common.js';
import { dataDirOf, storeRefusal, stringOption, type StoreCommandIo } from './store-files.js';

const BACKUP_USAGE = 'usage: driftwatch backup FILE [--data-dir DIR]';
const RESTORE_USAGE = 'usage: driftwatch restore FILE [--data-dir DIR]';

/**
 * `driftwatch backup FILE`: an online copy of the embedded database (SQLite's backup API), taken
 * while `driftwatch start` keeps running; the copy is checked before the command reports success.
 */
export async function backup(argv: string[], io: StoreCommandIo): Promise<number> {
  const { values, positionals } = parse(argv, { 'data-dir': { type: 'string' } });
  if (positionals.length !== 1) throw new CliError(BACKUP_USAGE);
  const dir = dataDirOf(stringOption(values['data-dir']), io.env ?? process.env, true);
  const dest = resolve(positionals[0]!);
  if (existsSync(dest)) throw new CliError(`${dest} already exists; choose a new file name (a backup never overwrites)`, 1);
  const result = await backupDatabase(dir, dest).catch(storeRefusal);
  io.stdout(`backed up ${dir} to ${result.file} (${result.bytes} bytes, store ${result.storeId})\n`);
  return 0;
}

/**
 * `driftwatch restore FILE`: replaces the embedded database with a backup. Refused while Driftwatch
 * runs on the directory; the database it replaces is renamed aside, not deleted.
 */
export async function restore(argv: string[], io: StoreCommandIo): Promise<number> {
  const { values, positionals } = parse(argv, { 'data-dir': { type: 'string' } });
  if (positionals.length !== 1) throw new CliError(RESTORE_USAGE);
  const dir = dataDirOf(stringOption(values['data-dir']), io.env ?? process.env, false);
  const logger = createLogger({ name: 'driftwatch-restore', level: 'warn', destination: { write: (s: string) => void io.stderr(s) } });
  const result = await restoreDatabase(dir, resolve(positionals[0]!), logger).catch(storeRefusal);
  io.stdout(
    `restored ${result.file} from ${resolve(positionals[0]!)} (store ${result.storeId})` +
      (result.previous ? `; the database it replaced is at ${result.previous}` : '') +
      '\n',
  );
  return 0;
}
