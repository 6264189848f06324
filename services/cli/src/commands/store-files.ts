import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, readRuntimeEnv } from '@driftwatch/runtime';
import { StoreCorruptError, StoreLockedError } from '@driftwatch/store';
import { CliError } from './common.js';

/** Exit code when the embedded state is refused (damaged, missing, emptied, foreign): distinct from usage (2) and failure (1). */
export const EXIT_STATE_REFUSED = 4;

export interface StoreCommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/** The data directory `driftwatch start` would use: --data-dir, else DRIFTWATCH_DATA_DIR, else .driftwatch. */
export function dataDirOf(flag: string | undefined, env: NodeJS.ProcessEnv, mustExist: boolean): string {
  let runtime;
  try {
    runtime = readRuntimeEnv(env);
  } catch (err) {
    throw new CliError(err instanceof ConfigError ? err.message : (err as Error).message);
  }
  const dir = resolve(flag ?? runtime.dataDir ?? '.driftwatch');
  if (mustExist && !existsSync(dir)) throw new CliError(`no data directory at ${dir} (set --data-dir or DRIFTWATCH_DATA_DIR)`, 1);
  return dir;
}

/** Store refusals as one-line CLI errors with their exit codes; anything else is rethrown. */
export function storeRefusal(err: unknown): never {
  if (err instanceof StoreCorruptError) throw new CliError(`refusing ${err.message}`, EXIT_STATE_REFUSED);
  if (err instanceof StoreLockedError) throw new CliError(err.message, 1);
  throw err;
}

/** A string option's value (parse() types every option loosely). */
export function stringOption(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
