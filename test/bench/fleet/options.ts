/**
 * The benchmark's knobs: each a CLI flag, or an environment variable FLEET_<FLAG> (flags win).
 * Checked up front; a bad value is a usage error that names the flag.
 */
import { parseArgs } from 'node:util';

export type Mode = 'embedded' | 'distributed' | 'raw';
export const MODES: readonly Mode[] = ['raw', 'embedded', 'distributed'];

export interface FleetOptions {
  /** Fleet sizes, each run in turn. */
  sizes: number[];
  modes: Mode[];
  intervalS: number;
  durationS: number;
  /** Share of the fleet that drifts (0..1). */
  driftShare: number;
  /** stdio servers in the fleet (from --stdio or --stdio-share). */
  stdio: (n: number) => number;
  rawConcurrency: number;
  /** Seconds of raw calibration before a service mode (0: none; ratios to raw left out). */
  rawSeconds: number;
  scrapeEveryS: number;
  readyTimeoutS: number;
  settleS: number;
  logLevel: string;
  /** Distributed mode: poller and differ processes each (scale-out). */
  replicas: number;
  /** The services' `differ.analysisThreads` (undefined: the product's default for the box). */
  analysisThreads?: number;
  /** stdio servers kept running between polls (the catalog's `keepConnected`). */
  keepConnected: boolean;
  redisUrl: string;
  json?: string;
  keep: boolean;
}

export class UsageError extends Error {}

/**
 * Extra `node` flags for the services' processes, from FLEET_NODE_ARGS (space-separated), e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` (Node refuses --cpu-prof in NODE_OPTIONS).
 */
export function serviceNodeArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.FLEET_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

export const USAGE = `npm run bench:fleet -- [flags]        (each flag also as env FLEET_<FLAG>, e.g. FLEET_N=1000)

  --n 100[,1000,…]        servers in the fleet (default 100)
  --mode M[,M]            embedded | distributed | raw | all (default embedded)
  --interval S            seconds between polls of each server (default 30)
  --duration S            measured run per mode (default 3 × interval + 30)
  --drift-share X         share of servers whose tool turns poisoned mid-run (default 0.02; 0.02 or 2%)
  --stdio K               stdio servers (spawned by the poller each poll) among the N (default 10)
  --stdio-share X         …or as a share of N (wins over --stdio)
  --keep-connected        stdio servers get keepConnected: started once, kept between polls
  --raw-concurrency C     polls in flight in raw mode (default 8: more only adds queueing on 2 cores)
  --raw-seconds S         raw calibration before each service mode, for the ratios (default 15; 0 = none)
  --scrape-every S        /metrics scrape period (default 5)
  --ready-timeout S       longest a service may take to answer /readyz (default 180)
  --settle S              longest to wait after the run for the drifted servers' quarantines (default interval + 30)
  --log-level L           the services' LOG_LEVEL (default info)
  --replicas K            distributed mode: K pollers and K differs (default 1), for scale-out
  --analysis-threads K    the config's differ.analysisThreads (default: unset, sized by the product)
  --redis-url URL         distributed mode's Redis (default redis://127.0.0.1:6379/13; keys dw:* must be absent; removed after)
  --json FILE             also write every figure as JSON
  --keep                  keep the run directories (configs, service logs)

  FLEET_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"   extra node flags for the services (profiling)
`;

const FLAGS = {
  n: { type: 'string' },
  mode: { type: 'string' },
  interval: { type: 'string' },
  duration: { type: 'string' },
  'drift-share': { type: 'string' },
  stdio: { type: 'string' },
  'stdio-share': { type: 'string' },
  'keep-connected': { type: 'boolean' },
  'raw-concurrency': { type: 'string' },
  'raw-seconds': { type: 'string' },
  'scrape-every': { type: 'string' },
  'ready-timeout': { type: 'string' },
  settle: { type: 'string' },
  'log-level': { type: 'string' },
  replicas: { type: 'string' },
  'analysis-threads': { type: 'string' },
  'redis-url': { type: 'string' },
  json: { type: 'string' },
  keep: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type FlagName = keyof typeof FLAGS;

/** `0.02`, `2%` → 0.02 */
function share(flag: string, raw: string): number {
  const v = raw.trim().endsWith('%') ? Number(raw.trim().slice(0, -1)) / 100 : Number(raw);
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new UsageError(`--${flag} must be a share between 0 and 1 (or 0% to 100%), got "${raw}"`);
  return v;
}

function number(flag: string, raw: string, min: number, integer = false): number {
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new UsageError(`--${flag} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${raw}"`);
  }
  return v;
}

/** Parses argv and env; returns undefined for --help. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): FleetOptions | undefined {
  let values: Partial<Record<FlagName, string | boolean>>;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return undefined;
  const get = (flag: FlagName): string | undefined => {
    const v = values[flag];
    if (typeof v === 'string') return v;
    return env[`FLEET_${flag.toUpperCase().replace(/-/g, '_')}`] || undefined;
  };

  const sizes = (get('n') ?? '100').split(',').map((s) => number('n', s.trim().replace(/_/g, ''), 1, true));
  const modeList = (get('mode') ?? 'embedded').split(',').map((s) => s.trim());
  const modes = modeList.includes('all') ? [...MODES] : modeList.map((m) => {
    if (!(MODES as readonly string[]).includes(m)) throw new UsageError(`--mode must be embedded, distributed, raw or all, got "${m}"`);
    return m as Mode;
  });
  const intervalS = number('interval', get('interval') ?? '30', 1);
  const durationS = number('duration', get('duration') ?? String(3 * intervalS + 30), 10);
  if (durationS < intervalS + 15 && modes.some((m) => m !== 'raw')) {
    throw new UsageError(`--duration ${durationS} is too short for --interval ${intervalS}: the drift happens at interval + 10 s; give it at least interval + 15 (2 × interval + 20 to see the quarantines inside the run)`);
  }
  const stdioShare = get('stdio-share');
  const stdioCount = number('stdio', get('stdio') ?? '10', 0, true);
  const stdio = stdioShare !== undefined ? ((n: number) => Math.round(share('stdio-share', stdioShare) * n)) : (n: number) => Math.min(stdioCount, n);
  const redisUrl = get('redis-url') ?? 'redis://127.0.0.1:6379/13';
  if (!/^redis:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/\d+)?$/.test(redisUrl)) throw new UsageError(`--redis-url must be a redis:// URL on 127.0.0.1 (got "${redisUrl}")`);
  const json = get('json');
  return {
    sizes,
    modes,
    intervalS,
    durationS,
    driftShare: share('drift-share', get('drift-share') ?? '0.02'),
    stdio,
    rawConcurrency: number('raw-concurrency', get('raw-concurrency') ?? '8', 1, true),
    rawSeconds: number('raw-seconds', get('raw-seconds') ?? '15', 0),
    scrapeEveryS: number('scrape-every', get('scrape-every') ?? '5', 1),
    readyTimeoutS: number('ready-timeout', get('ready-timeout') ?? '180', 5),
    settleS: number('settle', get('settle') ?? String(intervalS + 30), 0),
    logLevel: get('log-level') ?? 'info',
    replicas: number('replicas', get('replicas') ?? '1', 1, true),
    ...(get('analysis-threads') !== undefined ? { analysisThreads: number('analysis-threads', get('analysis-threads')!, 1, true) } : {}),
    redisUrl,
    ...(json ? { json } : {}),
    keep: values.keep === true || env.FLEET_KEEP === '1',
    keepConnected: values['keep-connected'] === true || env.FLEET_KEEP_CONNECTED === '1',
  };
}
