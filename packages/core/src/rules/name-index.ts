import { skeleton } from './unicode.js';

/** A tool of another server that a name resolves to. */
export interface NamedTool {
  name: string;
  serverId: string;
}

/**
 * What the shadowing and cross-server rules ask about the other servers of a catalog: one
 * server's view (itself excluded). Every question is a map lookup, so a scan costs the same with
 * 10 servers in the catalog as with 10,000.
 */
export interface NameLookup {
  /** The server holding exactly this tool name. */
  byName(name: string): string | undefined;
  /** A tool whose skeleton (confusables mapped, case folded) is this. */
  bySkeleton(skeletonKey: string): NamedTool | undefined;
  /** A tool whose name is this once case and separators are dropped. */
  byLoose(looseKey: string): NamedTool | undefined;
}

/** A name with case and separators dropped. */
export function loose(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** A server's list is capped here, as the rules always have: a bigger list is already a finding. */
const MAX_NAMES_PER_SERVER = 10_000;

interface Entry {
  serverId: string;
  name: string;
}

/**
 * Tool names per server, with the name, skeleton and loose forms indexed across servers and
 * updated by deltas: setting one server's names costs O(its names), never O(catalog). The
 * skeleton and loose form of a name are computed once, when the name enters the index.
 * Where several servers hold a key, the one that has held it longest answers (deterministic).
 */
export class ToolNameIndex {
  private readonly servers = new Map<string, readonly string[]>();
  private readonly names = new Map<string, Entry[]>();
  private readonly skeletons = new Map<string, Entry[]>();
  private readonly looses = new Map<string, Entry[]>();
  /** Skeleton and loose form of each indexed name (the memo, emptied with the name). */
  private readonly forms = new Map<string, { skeleton: string; loose: string; holders: number }>();

  get size(): number {
    return this.servers.size;
  }

  namesOf(serverId: string): readonly string[] | undefined {
    return this.servers.get(serverId);
  }

  serverIds(): IterableIterator<string> {
    return this.servers.keys();
  }

  /**
   * Replaces a server's tool names. Returns the names that came or went (empty when the set
   * is the same), so a caller can tell which scans the change can affect.
   */
  set(serverId: string, toolNames: readonly string[]): string[] {
    const next = [...new Set(toolNames.slice(0, MAX_NAMES_PER_SERVER))];
    const prior = this.servers.get(serverId) ?? [];
    const before = new Set(prior);
    const after = new Set(next);
    const gone = prior.filter((n) => !after.has(n));
    const came = next.filter((n) => !before.has(n));
    if (!this.servers.has(serverId) || gone.length > 0 || came.length > 0) this.servers.set(serverId, next);
    for (const name of gone) this.unlink(serverId, name);
    for (const name of came) this.link(serverId, name);
    return [...gone, ...came];
  }

  /** Drops a server; returns the names it held. */
  delete(serverId: string): string[] {
    const prior = this.servers.get(serverId);
    if (!prior) return [];
    this.set(serverId, []);
    this.servers.delete(serverId);
    return [...prior];
  }

  /** Skeleton and loose form of a name, memoised while the name is indexed. */
  formsOf(name: string): { skeleton: string; loose: string } {
    return this.forms.get(name) ?? { skeleton: skeleton(name), loose: loose(name) };
  }

  /** The catalog as one server sees it: every other server's tools. */
  others(selfId: string | undefined): NameLookup {
    const pick = (entries: Entry[] | undefined): Entry | undefined => entries?.find((e) => e.serverId !== selfId);
    return {
      byName: (name) => pick(this.names.get(name))?.serverId,
      bySkeleton: (key) => pick(this.skeletons.get(key)),
      byLoose: (key) => pick(this.looses.get(key)),
    };
  }

  private link(serverId: string, name: string): void {
    let forms = this.forms.get(name);
    if (!forms) {
      forms = { skeleton: skeleton(name), loose: loose(name), holders: 0 };
      this.forms.set(name, forms);
    }
    forms.holders++;
    const entry = { serverId, name };
    push(this.names, name, entry);
    push(this.skeletons, forms.skeleton, entry);
    push(this.looses, forms.loose, entry);
  }

  private unlink(serverId: string, name: string): void {
    const forms = this.forms.get(name);
    if (!forms) return;
    drop(this.names, name, serverId, name);
    drop(this.skeletons, forms.skeleton, serverId, name);
    drop(this.looses, forms.loose, serverId, name);
    if (--forms.holders === 0) this.forms.delete(name);
  }
}

function push(map: Map<string, Entry[]>, key: string, entry: Entry): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

function drop(map: Map<string, Entry[]>, key: string, serverId: string, name: string): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.findIndex((e) => e.serverId === serverId && e.name === name);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}

/** Builds one server's view from plain lists (the one-shot scanner and tests). */
export function lookupOf(otherServers: ReadonlyArray<{ serverId: string; toolNames: readonly string[] }> | undefined, selfId?: string): NameLookup {
  const index = new ToolNameIndex();
  for (const s of otherServers ?? []) {
    if (s.serverId === selfId) continue;
    // Two lists under one id (not from a catalog, where ids are unique): keep them both.
    index.set(s.serverId, [...(index.namesOf(s.serverId) ?? []), ...s.toolNames]);
  }
  return index.others(selfId);
}

/**
 * What a scan asked of the other servers, as hashed keys: a later change to the catalog's names
 * can change that scan's findings only if it touches one of these keys (see changedKeys).
 * Hash collisions only cost an extra rescan.
 */
export function recordLookups(lookup: NameLookup, deps: Set<number>): NameLookup {
  return {
    byName: (name) => (deps.add(keyHash('n', name)), lookup.byName(name)),
    bySkeleton: (key) => (deps.add(keyHash('s', key)), lookup.bySkeleton(key)),
    byLoose: (key) => (deps.add(keyHash('l', key)), lookup.byLoose(key)),
  };
}

/** The keys a change of these names touches, in the hashes recordLookups records. */
export function changedKeys(names: readonly string[], index: Pick<ToolNameIndex, 'formsOf'>): number[] {
  const out: number[] = [];
  for (const name of names) {
    const forms = index.formsOf(name);
    out.push(keyHash('n', name), keyHash('s', forms.skeleton), keyHash('l', forms.loose));
  }
  return out;
}

/** FNV-1a, 32 bits, over the kind and the key's UTF-16 code units. */
function keyHash(kind: string, key: string): number {
  let h = 0x811c9dc5;
  h = Math.imul(h ^ kind.charCodeAt(0), 0x01000193);
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
