/**
 * The config a run ends up with. It starts with every row and every offered field, then settles
 * against the product: first its own loader in-process (instant, and the only safe check for
 * rows that point off the host), then the CLI itself (exit 2 names what it refuses). Each
 * refusal either drops an offered key everywhere, records an SSRF row as refused, or stops the
 * run: anything else means the driver or the product is broken.
 */
import { ConfigError, parseConfig } from '@driftwatch/runtime';
import type { Behaviour } from './behaviours.js';
import { configEntry, isLocalUrl, offeredKeys, parseRefusal, resolveRefusal, type EntryContext } from './config.js';

export class ConfigPlan {
  active: Behaviour[] = [];
  readonly entries = new Map<string, Record<string, unknown>>();
  /** Row id → why the product refused it. */
  readonly refused = new Map<string, string>();
  /** Row id → why the driver did not run it. */
  readonly notRun = new Map<string, string>();
  readonly droppedKeys: string[] = [];
  private readonly offered: Set<string>;

  constructor(rows: readonly Behaviour[], ctx: EntryContext, offHost: 'if-refused' | 'never') {
    for (const b of rows) {
      const entry = configEntry(b, ctx);
      if (b.offHost) {
        // Only ever run refused: an accepted off-host row would make the product send a probe there.
        const why = offHost === 'never' ? undefined : loaderRefusal({ servers: [entry] });
        if (why !== undefined) this.refused.set(b.id, `${why} (product's config loader, in-process)`);
        else this.notRun.set(b.id, 'accepted by the config loader: not run, so that no probe leaves 127.0.0.1');
        continue;
      }
      if (entry.transport === 'http' && !isLocalUrl(String(entry.url))) throw new Error(`refusing to run: ${b.id} points off the host (${String(entry.url)})`);
      this.active.push(b);
      this.entries.set(b.id, entry);
    }
    this.offered = offeredKeys(this.active, ctx);
  }

  document(): { quarantineAt: string; servers: Array<Record<string, unknown>> } {
    return { quarantineAt: 'high', servers: this.active.map((b) => this.entries.get(b.id)!) };
  }

  /** Applies one refusal text (loader message or CLI stderr); throws if it holds anything unexpected. */
  apply(text: string, by: string): { dropped: string[]; refused: string[] } {
    const r = resolveRefusal(parseRefusal(text), this.active, this.offered);
    if (r.unexplained.length > 0 || (r.dropKeys.length === 0 && r.refused.length === 0)) {
      throw new Error(`the ${by} refused the config for reasons the driver does not expect:\n${text.slice(0, 4000)}`);
    }
    for (const key of r.dropKeys) {
      this.droppedKeys.push(key);
      this.offered.delete(key);
      for (const e of this.entries.values()) delete e[key];
    }
    for (const { id, message } of r.refused) {
      this.refused.set(id, `${message} (${by})`);
      this.entries.delete(id);
    }
    this.active = this.active.filter((b) => this.entries.has(b.id));
    return { dropped: r.dropKeys, refused: r.refused.map((x) => x.id) };
  }

  /** Settles against the in-process loader; returns how many rounds it took. */
  settleWithLoader(env: NodeJS.ProcessEnv = process.env, maxRounds = 5): number {
    for (let round = 1; round <= maxRounds; round++) {
      const why = loaderRefusal(this.document(), env);
      if (why === undefined) return round - 1;
      this.apply(why, 'config loader');
    }
    throw new Error(`the config loader still refuses the config after ${maxRounds} rounds`);
  }
}

/** The product's loader on `doc`: its refusal (one issue per line), or undefined if accepted. */
export function loaderRefusal(doc: unknown, env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    parseConfig(JSON.stringify(doc), { source: 'driver', env });
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
}
