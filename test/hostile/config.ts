/**
 * Behaviour rows → driftwatch config entries, and what to do when the product refuses some of
 * them. The product validates strictly (an unknown key is exit 2 and a line naming it), and the
 * fields issue 6 adds (allowPrivateNetwork, sandbox, network) do not exist on every version: the
 * driver offers them, drops the ones a product refuses as unknown, and says so in its result.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Behaviour, HostPorts } from './behaviours.js';
import { RUN_MARKER_VAR } from './procs.js';

export interface RunPaths {
  runDir: string;
  /** test/fixtures/hostile */
  fixtureDir: string;
  /** Rug swap files: <swapDir>/<id> for stdio, <swapDir>/rug for the HTTP host. */
  swapDir: string;
  /** fork-detached appends its grandchildren's pids here. */
  pidFile: string;
  forkStamp: string;
  /** write-outside-cwd appends here (outside every server's cwd). */
  outsideFile: string;
  /** Parent of each stdio server's own cwd. */
  cwdRoot: string;
  /**
   * The good server's poll log (HOSTILE_POLL_LOG, test/fixtures/hostile/lib/poll-log.mjs): in its
   * cwd, the one place a sandboxed server may write (its entry asks for `writableCwd`).
   */
  goodPollLog: string;
  /** The same for the good server's control poller (good-control-process.ts), kept apart. */
  goodControlPollLog: string;
}

export function runPaths(runDir: string, fixtureDir: string): RunPaths {
  const paths = {
    runDir,
    fixtureDir,
    swapDir: join(runDir, 'swap'),
    pidFile: join(runDir, 'grandchildren.pids'),
    forkStamp: join(runDir, 'fork-bomb.stamp'),
    outsideFile: join(runDir, 'outside', 'written-by-server.txt'),
    cwdRoot: join(runDir, 'cwd'),
    goodPollLog: join(runDir, 'cwd', 'good', 'polls.log'),
    goodControlPollLog: join(runDir, 'cwd', 'good', 'control-polls.log'),
  };
  for (const dir of [paths.swapDir, paths.cwdRoot, join(runDir, 'cwd', 'good'), join(runDir, 'outside')]) mkdirSync(dir, { recursive: true });
  // Created here, writable by all: a sandboxed server runs as nobody when driftwatch is root, and
  // the fixtures of overlapping polls append to the same file (O_APPEND).
  for (const file of [paths.goodPollLog, paths.goodControlPollLog]) {
    writeFileSync(file, '');
    chmodSync(file, 0o666);
  }
  return paths;
}

export interface Canary {
  /** Long secret with a quote and a backslash, so its JSON-escaped form differs from the raw one. */
  secret: string;
  /** Five characters, two of which never occur in base64 or hex, so a hit is not a coincidence. */
  short: string;
}

export type SdkMode = 'all' | 'good' | 'none';

export interface EntryContext {
  runId: string;
  ports: HostPorts;
  egressPort: number;
  paths: RunPaths;
  canary: Canary;
  /**
   * Which stdio fixtures run on the official SDK: 'good' (default: the control is a real SDK
   * server), 'all' (every behaviour the SDK can express; ~0.4 s CPU per spawn), or 'none'.
   */
  sdk: SdkMode;
  /** Offered to every stdio entry when set (issue 6: `sandbox: auto | bwrap | none`). */
  sandbox?: string;
  interval: number;
  timeout: number;
}

/** The knobs a stdio behaviour needs and nothing more: every env value is a "secret" to the product. */
function stdioEnv(b: Behaviour, ctx: EntryContext): Record<string, string> {
  const env: Record<string, string> = { HOSTILE: b.id, [RUN_MARKER_VAR]: ctx.runId };
  if (ctx.sdk === 'all' || (ctx.sdk === 'good' && b.id === 'good')) env.HOSTILE_SDK = '1';
  if (b.rug) env.SWAP_FILE = join(ctx.paths.swapDir, b.id);
  // The control's polls are counted from the server's side: driftwatch's metrics have no server label.
  if (b.id === 'good') env.HOSTILE_POLL_LOG = ctx.paths.goodPollLog;
  if (b.id === 'fork-detached') env.PID_FILE = ctx.paths.pidFile;
  if (b.id === 'fork-bomb') env.FORK_STAMP = ctx.paths.forkStamp;
  if (b.id === 'write-outside-cwd') env.OUTSIDE_FILE = ctx.paths.outsideFile;
  if (b.id === 'network-egress') env.EGRESS_PORT = String(ctx.egressPort);
  if (b.group === 'secret') {
    // Through ${VAR}, as the README tells operators to configure credentials: the values reach
    // driftwatch's environment (canaryEnv), never the config file.
    env.DW_CANARY = '${DW_CANARY}';
    env.DW_CANARY_SHORT = '${DW_CANARY_SHORT}';
  }
  return { ...env, ...b.env };
}

/** The environment driftwatch needs for the canary entries' `${VAR}` references. */
export function canaryEnv(canary: Canary): Record<string, string> {
  return { DW_CANARY: canary.secret, DW_CANARY_SHORT: canary.short };
}

/** Hosts a config entry may point at: loopback in any spelling that WHATWG URL normalises to these. */
const LOCAL_HOSTS = new Set(['127.0.0.1', '0.0.0.0', 'localhost', '[::1]']);

export function isLocalUrl(url: string): boolean {
  return LOCAL_HOSTS.has(new URL(url).hostname);
}

/** One raw config entry (validated by the product, not here). */
export function configEntry(b: Behaviour, ctx: EntryContext): Record<string, unknown> {
  const common = { id: b.id, interval: b.interval ?? ctx.interval, timeout: b.timeout ?? ctx.timeout };
  if (b.transport === 'stdio') {
    const cwd = join(ctx.paths.cwdRoot, b.id);
    mkdirSync(cwd, { recursive: true });
    return {
      ...common,
      transport: 'stdio',
      command: process.execPath,
      args: [join(ctx.paths.fixtureDir, 'stdio.mjs')],
      cwd,
      env: stdioEnv(b, ctx),
      ...(ctx.sandbox ? { sandbox: ctx.sandbox } : {}),
      ...b.extra,
    };
  }
  const url = b.transport === 'http' ? `http://127.0.0.1:${ctx.ports.port}${b.path ?? '/'}` : b.url!(ctx.ports);
  return { ...common, transport: 'http', url, ...b.extra };
}

/** Keys a driver run may add beyond what every product version knows. */
export function offeredKeys(rows: readonly Behaviour[], ctx: Pick<EntryContext, 'sandbox'>): Set<string> {
  const keys = new Set<string>();
  for (const b of rows) for (const k of Object.keys(b.extra ?? {})) keys.add(k);
  if (ctx.sandbox) keys.add('sandbox');
  return keys;
}

export interface RefusalLine {
  index: number;
  /** Field under the entry (`url`, `env.X`), if the line names one. */
  field?: string;
  message: string;
  unknownKey?: string;
}

/** Lines like `cfg.json: servers[3]: unrecognized key "sandbox"` or `cfg.json: servers[7].url: …`. */
export function parseRefusal(stderr: string): RefusalLine[] {
  const out: RefusalLine[] = [];
  for (const line of stderr.split('\n')) {
    const m = /servers\[(\d+)\](?:\.([^:\s]+))?: (.+)$/.exec(line);
    if (!m) continue;
    const key = /unrecognized key "([^"]+)"/.exec(m[3]!);
    out.push({ index: Number(m[1]), ...(m[2] ? { field: m[2] } : {}), message: m[3]!.trim(), ...(key ? { unknownKey: key[1]! } : {}) });
  }
  return out;
}

export interface Resolution {
  /** Offered keys the product does not know: drop them from every entry. */
  dropKeys: string[];
  /** Entries refused on purpose (SSRF rows): record as "refused" and leave out. */
  refused: Array<{ id: string; message: string }>;
  /** Anything else: a driver bug or a product regression; the run cannot go on. */
  unexplained: RefusalLine[];
}

/** Sorts a refusal's lines into keys to drop, entries refused on purpose, and the rest. */
export function resolveRefusal(lines: readonly RefusalLine[], rows: readonly Behaviour[], offered: ReadonlySet<string>): Resolution {
  const dropKeys = new Set<string>();
  const refused = new Map<string, string>();
  const unexplained: RefusalLine[] = [];
  for (const line of lines) {
    const row = rows[line.index];
    if (line.unknownKey !== undefined && offered.has(line.unknownKey)) dropKeys.add(line.unknownKey);
    else if (row && row.expect.includes('refused')) refused.set(row.id, refused.has(row.id) ? `${refused.get(row.id)}; ${line.message}` : line.message);
    else unexplained.push(line);
  }
  return { dropKeys: [...dropKeys], refused: [...refused].map(([id, message]) => ({ id, message })), unexplained };
}
