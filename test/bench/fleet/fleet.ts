/**
 * The benchmark's side of the fleet: the HTTP host child (every HTTP server on one port), the
 * stdio servers' working directories (state.json each), which servers drift, and the rug pull
 * itself at a known time.
 *
 * Servers f00000 … f(h-1) are HTTP, the last `stdio` ones stdio. The drifting ones are spread
 * evenly over both kinds, so a drift share reaches stdio servers too.
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TSX_LOADER } from '../../fixtures/servers/launch.js';
import { httpGet, type Child, type Scope } from './children.js';
import { POISON } from './pool.js';
import { driftedTools, serverId, serverTools, type PoolTool } from './tools.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const STDIO_SERVER = join(HERE, 'stdio-server.mjs');

export interface FleetStats {
  requests: Record<string, number>;
  errors: number;
  /** Per drifted HTTP server, when it first served its poisoned tools/list (ms since epoch). */
  firstServed: Record<string, number>;
  lagP99Ms: number;
  lagMaxMs: number;
}

export class Fleet {
  readonly httpIds: string[];
  readonly stdioIds: string[];
  /** Per drifting server, when it turned (ms since epoch); empty until drift(). */
  readonly driftedAt = new Map<string, number>();

  private constructor(
    readonly host: Child,
    readonly port: number,
    private readonly pool: readonly PoolTool[],
    private readonly stdioRoot: string,
    http: number,
    stdio: number,
  ) {
    this.httpIds = Array.from({ length: http }, (_, i) => serverId(i));
    this.stdioIds = Array.from({ length: stdio }, (_, i) => serverId(http + i));
  }

  /** Writes the pool, starts the host, writes each stdio server's state. */
  static async start(scope: Scope, dir: string, pool: readonly PoolTool[], size: number, stdio: number): Promise<Fleet> {
    const http = size - stdio;
    const poolFile = join(dir, 'pool.json');
    writeFileSync(poolFile, JSON.stringify(pool));
    const host = scope.spawn('fleet host', process.execPath, ['--import', TSX_LOADER, join(HERE, 'fleet-host.ts')], join(dir, 'fleet-host.log'), {
      env: { ...process.env, FLEET_POOL: poolFile, FLEET_SERVERS: String(Math.max(1, http)) },
      pipes: true,
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('the fleet host did not print its port within 30 s')), 30_000);
      host.proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the fleet host exited (code ${code}) before listening`));
      });
      host.proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl < 0) return;
        clearTimeout(timer);
        resolve((JSON.parse(out.slice(0, nl)) as { port: number }).port);
      });
    });
    const stdioRoot = join(dir, 'stdio');
    mkdirSync(stdioRoot, { recursive: true, mode: 0o755 });
    const fleet = new Fleet(host, port, pool, stdioRoot, http, stdio);
    fleet.stdioIds.forEach((id, k) => {
      const cwd = fleet.stdioDir(id);
      mkdirSync(cwd, { recursive: true });
      // The sandbox runs the server as nobody when we are root: it must read its own directory.
      chmodSync(cwd, 0o755);
      writeAtomic(join(cwd, 'state.json'), serverTools(pool, http + k));
    });
    return fleet;
  }

  get size(): number {
    return this.httpIds.length + this.stdioIds.length;
  }

  url(id: string): string {
    return `http://127.0.0.1:${this.port}/s/${id}`;
  }

  stdioDir(id: string): string {
    return join(this.stdioRoot, id);
  }

  /** `share` of the fleet (at least one server when share > 0), spread evenly over HTTP and stdio. */
  drifting(share: number): string[] {
    if (share <= 0) return [];
    const count = Math.max(1, Math.round(share * this.size));
    const stdio = this.stdioIds.length === 0 || count < 2 ? 0 : Math.max(1, Math.round((count * this.stdioIds.length) / this.size));
    const spread = (ids: readonly string[], k: number) => Array.from({ length: Math.min(k, ids.length) }, (_, j) => ids[Math.floor(((j + 0.5) * ids.length) / k)]!);
    return [...spread(this.httpIds, count - stdio), ...spread(this.stdioIds, stdio)];
  }

  /** The rug pull, now: HTTP servers through the host's control route, stdio ones by their state file. */
  async drift(ids: readonly string[]): Promise<void> {
    const http = ids.filter((id) => this.httpIds.includes(id));
    if (http.length) {
      const res = await fetch(`http://127.0.0.1:${this.port}/_fleet/drift`, { method: 'POST', body: JSON.stringify({ ids: http, poison: POISON }) });
      if (!res.ok) throw new Error(`the fleet host refused the drift: ${res.status}`);
      const { at } = (await res.json()) as { at: number };
      for (const id of http) this.driftedAt.set(id, at);
    }
    for (const id of ids.filter((x) => this.stdioIds.includes(x))) {
      const index = this.httpIds.length + this.stdioIds.indexOf(id);
      writeAtomic(join(this.stdioDir(id), 'state.json'), driftedTools(serverTools(this.pool, index), POISON));
      this.driftedAt.set(id, Date.now());
    }
  }

  async stats(): Promise<FleetStats> {
    const res = await httpGet(this.port, '/_fleet/stats');
    return JSON.parse(res.body) as FleetStats;
  }
}

/** World-readable and atomic, so a server starting mid-write never reads half a file. */
function writeAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(value), { mode: 0o644 });
  renameSync(tmp, file);
}
