import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

export function readPids(file: string): number[] {
  return readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
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

/**
 * Waits (briefly) for a killed process to be gone: SIGKILL is delivered asynchronously, so a
 * process signalled a moment ago may take a few ms more to die on a loaded machine.
 */
export async function becomesDead(pid: number, withinMs = 1000): Promise<boolean> {
  const until = performance.now() + withinMs;
  while (isAlive(pid)) {
    if (performance.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/**
 * Live (non-zombie) processes whose environment holds `NAME=value`: a test marks the servers it
 * starts with a unique value and can then tell whether any of them outlived the probe.
 */
export function processesWithEnv(name: string, value: string): number[] {
  const needle = Buffer.from(`${name}=${value}\0`);
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`);
      if (env.indexOf(needle) >= 0 && isAlive(Number(entry))) out.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}
