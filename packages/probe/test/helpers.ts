import { mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeResult } from '../src/index.js';

const dirs: string[] = [];

/** Removes every directory tempDir() made (call from afterAll). */
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A fresh temporary directory; see removeTempDirs. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-probe-'));
  dirs.push(dir);
  return dir;
}

export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value));
}

/**
 * True while a process with this pid runs. A zombie counts as dead: it was killed, and only
 * waits for its parent to reap it (an orphaned grandchild's new parent here may be an init that
 * never reaps).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

export function expectOk(r: ProbeResult): Extract<ProbeResult, { ok: true }> {
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.reason}`);
  return r;
}

export function expectFailure(r: ProbeResult): Extract<ProbeResult, { ok: false }> {
  if (r.ok) throw new Error(`expected a failure, got ok with ${r.observation.tools.length} tools`);
  return r;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}


/** The env variable tests set on a fixture server to find it and every descendant in /proc. */
export const TEST_MARKER = 'DW_TEST_MARKER';

/**
 * Live (non-zombie) processes on this host whose environment carries `DW_TEST_MARKER=<marker>`,
 * inside a sandbox's namespaces or not (root reads every /proc/<pid>/environ).
 */
export function markedProcesses(marker: string): number[] {
  const needle = Buffer.from(`${TEST_MARKER}=${marker}\0`);
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`);
      const at = environ.indexOf(needle);
      if ((at === 0 || (at > 0 && environ[at - 1] === 0)) && isAlive(Number(name))) found.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Waits (briefly) until no marked process is left; returns the survivors. */
export async function markedAfter(marker: string, withinMs = 2000): Promise<number[]> {
  const until = performance.now() + withinMs;
  for (;;) {
    const left = markedProcesses(marker);
    if (left.length === 0 || performance.now() > until) return left;
    await new Promise((r) => setTimeout(r, 25));
  }
}

function runsNode(pid: number): boolean {
  try {
    return readlinkSync(`/proc/${pid}/exe`) === realpathSync(process.execPath);
  } catch {
    return false;
  }
}

/**
 * Waits until at least `count` marked Node processes run: the server and what it started (not
 * the setpriv/bwrap/prlimit wrappers, which carry the same environment).
 */
export async function markedAtLeast(marker: string, count: number, withinMs = 15_000): Promise<number[]> {
  const until = performance.now() + withinMs;
  for (;;) {
    const now = markedProcesses(marker).filter(runsNode);
    if (now.length >= count) return now;
    if (performance.now() > until) throw new Error(`only ${now.length} of ${count} marked Node processes appeared`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
