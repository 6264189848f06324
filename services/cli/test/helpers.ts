import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from '../src/commands/common.js';

export const CLI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(CLI_DIR, '..', '..');
export const BIN = join(CLI_DIR, 'bin', 'driftwatch.mjs');

export interface Outcome {
  code: number;
  out: string;
  /** The CliError message when the command refused its input. */
  error?: string;
}

/** Runs a command function as main() does: output collected, CliError turned into its exit code. */
export async function run(command: (argv: string[], out: (s: string) => void) => Promise<number>, argv: string[]): Promise<Outcome> {
  let out = '';
  try {
    const code = await command(argv, (s) => {
      out += s;
    });
    return { code, out };
  } catch (err) {
    if (err instanceof CliError) return { code: err.exitCode, out, error: err.message };
    throw err;
  }
}

/** `node services/cli/bin/driftwatch.mjs ...args` as a user runs it. */
export function spawnCli(args: string[], cwd = REPO_ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

export function tempDir(prefix: string): { dir: string; write: (name: string, content: unknown) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `driftwatch-${prefix}-`));
  return {
    dir,
    write(name, content) {
      const file = join(dir, name);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
