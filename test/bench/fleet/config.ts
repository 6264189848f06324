/**
 * The fleet as Driftwatch's catalog: one config file (JSON is YAML) that `driftwatch start` and
 * each distributed service read. Auto-quarantine at `high` (the default, written out), loopback
 * servers allowed, anonymous reads on the API so the benchmark can read server states in both
 * modes. Entries are kept compact: the config loader refuses files over LIMITS.maxConfigBytes
 * (1 MiB), and 10 000 entries come close.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '@driftwatch/core';
import { STDIO_SERVER, type Fleet } from './fleet.js';

/** Marks every stdio server's environment, so leftovers can be found in /proc after a run. */
export const RUN_MARKER_VAR = 'DW_FLEET_RUN';

export interface ConfigOptions {
  intervalS: number;
  runMarker: string;
  analysisThreads?: number;
  keepConnected?: boolean;
}

export function writeConfig(dir: string, fleet: Fleet, options: ConfigOptions): string {
  const interval = options.intervalS;
  const servers: Array<Record<string, unknown>> = [
    ...fleet.httpIds.map((id) => ({ id, transport: 'http', url: fleet.url(id), interval })),
    ...fleet.stdioIds.map((id) => ({
      id,
      transport: 'stdio',
      command: process.execPath,
      args: [STDIO_SERVER],
      cwd: fleet.stdioDir(id),
      env: { [RUN_MARKER_VAR]: options.runMarker },
      interval,
      ...(options.keepConnected ? { keepConnected: true } : {}),
    })),
  ];
  const differ = options.analysisThreads !== undefined ? { differ: { analysisThreads: options.analysisThreads } } : {};
  const text = JSON.stringify({ quarantineAt: 'high', allowPrivateNetwork: true, api: { anonymousRead: true }, ...differ, servers });
  const bytes = Buffer.byteLength(text);
  if (bytes > LIMITS.maxConfigBytes) {
    throw new Error(`the config for ${servers.length} servers is ${bytes} bytes, over the loader's limit of ${LIMITS.maxConfigBytes} (LIMITS.maxConfigBytes): the product cannot load this fleet from a file`);
  }
  const path = join(dir, 'driftwatch.json');
  writeFileSync(path, text);
  return path;
}
