import type { Variable } from './types.js';

/**
 * The variables the imported entries reference, and the names generated for credentials that were
 * written into the file. A literal is kept in memory only to give the same value one name when it
 * appears twice; it is never part of a Variable.
 */
/**
 * Names a generated variable must not take: the environment every process has, and Driftwatch's
 * own settings (a server named `driftwatch` with an `API_KEY` must not become DRIFTWATCH_API_KEY).
 */
const RESERVED = new Set(['HOME', 'PATH', 'USER', 'LOGNAME', 'SHELL', 'PWD', 'TMPDIR', 'LANG', 'TERM', 'TZ', 'NODE_OPTIONS', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'PORT', 'LOG_LEVEL', 'REDIS_URL', 'KAFKA_BROKERS']);
const RESERVED_PREFIXES = ['DRIFTWATCH_', 'LC_', 'NODE_', 'NPM_CONFIG_'];

export function isReservedName(name: string): boolean {
  return RESERVED.has(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p));
}

export class Variables {
  private readonly byName = new Map<string, Variable>();
  private readonly byLiteral = new Map<string, string>();
  private readonly generated = new Set<string>();
  private readonly taken = new Set<string>();

  constructor(private readonly hints: ReadonlyMap<string, string> = new Map()) {}

  /** Names the file already references: a generated name must not collide with one. */
  reserve(names: Iterable<string>): void {
    for (const name of names) this.taken.add(name);
  }

  /** The variable that replaces `literal`, written at `where` in server `serverId`. */
  forLiteral(serverId: string, label: string, literal: string, where: string): string {
    const known = this.byLiteral.get(literal);
    if (known) {
      this.use(known, serverId, where, 'literal');
      return known;
    }
    const name = this.uniqueName(generatedName(serverId, label));
    this.taken.add(name);
    this.generated.add(name);
    this.byLiteral.set(literal, name);
    this.use(name, serverId, where, 'literal');
    return name;
  }

  /** True for a name this import generated for a literal. */
  isGenerated(name: string): boolean {
    return this.generated.has(name);
  }

  /** Records that server `serverId` references `name` at `where`. */
  use(name: string, serverId: string, where: string, origin: Variable['origin'] = 'reference'): void {
    let v = this.byName.get(name);
    if (!v) {
      const description = this.hints.get(name);
      v = { name, servers: [], origin, where: [], ...(description ? { description } : {}) };
      this.byName.set(name, v);
    }
    // A name is `literal` when any use of it replaced a literal: that is the one the user must act on.
    if (origin === 'literal') v.origin = 'literal';
    if (!v.servers.includes(serverId)) v.servers.push(serverId);
    const at = `${serverId}: ${where}`;
    if (!v.where.includes(at)) v.where.push(at);
  }

  list(): Variable[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  private uniqueName(base: string): string {
    const free = (name: string) => !this.taken.has(name) && !isReservedName(name);
    // A reserved prefix cannot be numbered away: move it behind one of ours.
    const stem = RESERVED_PREFIXES.some((p) => base.startsWith(p)) ? `IMPORTED_${base}` : base;
    if (free(stem)) return stem;
    for (let n = 2; ; n++) if (free(`${stem}_${n}`)) return `${stem}_${n}`;
  }
}

/** UPPER_SNAKE of a label. */
export function upperSnake(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/**
 * `<SERVER>_<LABEL>`, without repeating the server's name when the label starts with it
 * (server `github`, env `GITHUB_TOKEN` → `GITHUB_TOKEN`): unique per server, and readable.
 */
export function generatedName(serverId: string, label: string): string {
  const server = upperSnake(serverId);
  const rest = upperSnake(label) || 'SECRET';
  let name = rest === server || rest.startsWith(`${server}_`) ? rest : server ? `${server}_${rest}` : rest;
  if (!/^[A-Za-z_]/.test(name)) name = `DW_${name}`;
  return name.slice(0, 128);
}
