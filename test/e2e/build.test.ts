// The compiled command (scripts/build.mjs): built into a directory of its own (the build the other
// end-to-end tests run stays untouched), it must run `driftwatch start` end to end — probe threads,
// analysis threads, the sandbox launcher and the store's checkpoint thread all started from the
// build's own files — and the command must refuse a build that no longer matches its sources.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../chaos/wait.js';
import { BENIGN_TOOLS, POISONED_DESCRIPTION, ROOT, fixtureServer, getJson, removeTempDirs, tempDir, waitFor, writeState } from './helpers.js';
import { staleBuild } from '../../services/cli/bin/build-state.mjs';

const OUT = `services/cli/.dist-test-${process.pid}`;
const outDir = join(ROOT, OUT);

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  removeTempDirs();
});

/** `main()` of the build in OUT, run as bin/driftwatch.mjs runs it, with no TypeScript loader registered. */
function runBuilt(args: string[]) {
  // A file, not `node -e`: worker threads inherit the process's execArgv, and `--input-type` would stop them.
  const runner = join(outDir, 'run-built.mjs');
  writeFileSync(runner, "import { main } from './main.mjs';\nprocess.exitCode = await main(process.argv.slice(2));\nsetTimeout(() => process.exit(process.exitCode), 2000).unref();\n");
  const env = { ...process.env };
  delete env.KAFKA_BROKERS;
  delete env.REDIS_URL;
  // vitest registers no loader in a child, but NODE_OPTIONS could carry one: the build must not need it.
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [runner, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

describe('the compiled command (scripts/build.mjs)', () => {
  it('builds self-contained bundles beside the plain JavaScript entries the code starts by file', () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--quiet', '--out', OUT], { cwd: ROOT });
    const files = readdirSync(outDir);
    for (const f of ['main.mjs', 'probe-thread.mjs', 'thread.mjs', 'worker-runner.mjs', 'launcher-process.mjs', 'checkpoint-thread.mjs', 'sources.json']) {
      expect(files).toContain(f);
    }
    for (const bundle of ['main.mjs', 'probe-thread.mjs', 'thread.mjs']) {
      const text = readFileSync(join(outDir, bundle), 'utf8');
      // No TypeScript left to compile, and no import of our own sources (only node_modules packages).
      expect(text).not.toMatch(/from\s*["']tsx["'/]|import\(["'][^"']*(?<!\.d)\.ts["']\)/);
      expect(text).not.toMatch(/from\s*["']@driftwatch\//);
    }
    const manifest = JSON.parse(readFileSync(join(outDir, 'sources.json'), 'utf8')) as { sources: Array<{ file: string }> };
    const files2 = manifest.sources.map((s) => s.file);
    expect(files2).toContain('packages/core/src/rules/scan.ts');
    expect(files2).toContain('packages/probe/src/sandbox/launcher-process.mjs');
    expect(files2.some((f) => f.includes('node_modules'))).toBe(false);
    expect(staleBuild(pathToFileURL(`${outDir}/`), pathToFileURL(`${ROOT}/`))).toBeUndefined();
  }, 60_000);

  it('runs start end to end from the build: baselines a server, then quarantines it on a poisoned change, and stops on SIGTERM', async () => {
    expect(existsSync(join(outDir, 'main.mjs'))).toBe(true);
    const dir = tempDir('build');
    const state = join(dir, 'state.json');
    writeState(state, { tools: BENIGN_TOOLS });
    const cfg = join(dir, 'driftwatch.json');
    writeFileSync(cfg, JSON.stringify({ quarantineAt: 'high', servers: [fixtureServer('mail', state, { interval: 1, timeout: 8 })] }));
    const port = await freePort();
    const run = runBuilt(['start', '--config', cfg, '--port', String(port), '--data-dir', join(dir, 'data')]);
    try {
      await waitFor('the first baseline', async () => (await getJson(port, '/v1/servers/mail')).body.status === 'ok', 60_000);
      writeState(state, { tools: [{ ...BENIGN_TOOLS[0], description: POISONED_DESCRIPTION }, BENIGN_TOOLS[1]!] });
      const server = await waitFor(
        'the quarantine',
        async () => {
          const { body } = await getJson(port, '/v1/servers/mail');
          return body.status === 'quarantined' ? body : undefined;
        },
        60_000,
      );
      expect(server.openAlerts.map((a: { kind: string }) => a.kind)).toContain('tool.description_changed');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
    // Every thread the command starts came from the build: had one failed to load, the log says so.
    expect(run.output()).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module|Unknown file extension/);
  }, 150_000);
});

describe('staleBuild', () => {
  /** A fake build of two sources, in a root of its own. */
  function fakeBuild() {
    const root = tempDir('stale');
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'dist'));
    const sources = ['src/a.ts', 'src/b.ts'].map((file) => {
      writeFileSync(join(root, file), `export const x = '${file}';\n`);
      utimesSync(join(root, file), 1_700_000_000, 1_700_000_000);
      return { file, size: Buffer.byteLength(`export const x = '${file}';\n`), mtimeMs: 1_700_000_000_000 };
    });
    writeFileSync(join(root, 'dist/sources.json'), JSON.stringify({ sources }));
    const check = () => staleBuild(pathToFileURL(`${root}/dist/`), pathToFileURL(`${root}/`));
    return { root, check };
  }

  it('accepts a build whose sources are as they were', () => {
    expect(fakeBuild().check()).toBeUndefined();
  });

  it('refuses a build when a source was edited, even to the same size, or removed', () => {
    const edited = fakeBuild();
    utimesSync(join(edited.root, 'src/b.ts'), 1_700_000_100, 1_700_000_100);
    expect(edited.check()).toBe('src/b.ts changed since the build');
    const removed = fakeBuild();
    rmSync(join(removed.root, 'src/a.ts'));
    expect(removed.check()).toBe('src/a.ts is gone');
  });

  it('refuses a missing or empty manifest', () => {
    const none = fakeBuild();
    rmSync(join(none.root, 'dist/sources.json'));
    expect(none.check()).toBe('no build');
    const empty = fakeBuild();
    writeFileSync(join(empty.root, 'dist/sources.json'), JSON.stringify({ sources: [] }));
    expect(empty.check()).toBe('dist/sources.json lists no source');
  });
});
