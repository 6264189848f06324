// Compiles the driftwatch command into plain JavaScript (services/cli/dist), so that a running
// worker does not load the TypeScript compiler into every isolate: with tsx, each worker thread
// (probe threads, analysis threads) started its own loader and compiled the sources again on every
// start (measured: ~26 MB of RSS per isolate, seconds of CPU at start-up).
//
// One bundle per thread entry: the command itself, a probe thread, an analysis thread. The plain
// JavaScript entries (the pooled-thread runner, the sandbox launcher process, the checkpoint thread)
// are copied beside them, because the code finds them next to itself (`new URL('./x.mjs',
// import.meta.url)`), and that stays true in dist. Packages that find their own files at run time
// (piscina starts its worker file; better-sqlite3 loads a native addon; pino may start transport
// threads) or that a bundler cannot follow (jsonc-parser's UMD build) stay outside the bundles and
// are resolved from services/cli/node_modules, which is why @driftwatch/cli lists them as its own
// dependencies.
//
// `dist/sources.json` records every workspace source a bundle was made from, with its size and
// modification time: bin/driftwatch.mjs runs the bundles only while they match, so an edited source
// is never silently ignored (it falls back to compiling the sources with tsx, and says so).
//
// Usage: node scripts/build.mjs [--quiet] [--out DIR]   (DIR relative to the repository; default
// services/cli/dist. Another DIR must also sit under services/cli, where the external packages resolve.)
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const outArg = process.argv.indexOf('--out');
const outDir = join(root, outArg > 0 ? process.argv[outArg + 1] ?? '' : 'services/cli/dist');
if (!outDir.startsWith(join(root, 'services/cli/'))) throw new Error(`build: --out must be a directory under services/cli (got ${outDir})`);
const staging = `${outDir}.tmp-${process.pid}`;

/** TypeScript entries, bundled; each output's name is the name the code looks for beside itself. */
const ENTRIES = {
  main: 'services/cli/src/main.ts',
  'probe-thread': 'packages/probe/src/host/probe-thread.ts',
  thread: 'services/differ/src/analysis/thread.ts',
};

/** Plain JavaScript entries, copied as they are (they import nothing of ours). */
const COPIED = [
  'packages/runtime/src/worker-runner.mjs',
  'packages/probe/src/sandbox/launcher-process.mjs',
  'packages/store/src/sqlite/checkpoint-thread.mjs',
];

/**
 * Loaded from node_modules at run time: they find their own files next to themselves, or (jsonc-parser)
 * their CommonJS build is a UMD wrapper whose require() calls a bundler cannot follow.
 */
const EXTERNAL = ['better-sqlite3', 'piscina', 'pino', 'jsonc-parser'];

const started = performance.now();
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(root, file)])),
  outdir: staging,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  // Bundled CommonJS packages (kafkajs, ioredis, …) call require() for Node's own modules.
  banner: { js: "import { createRequire as __driftwatchRequire } from 'node:module'; const require = __driftwatchRequire(import.meta.url);" },
  sourcemap: 'linked',
  // Error stacks and log lines keep the names they have in the sources.
  keepNames: true,
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
});

for (const file of COPIED) {
  const name = file.slice(file.lastIndexOf('/') + 1);
  if (Object.hasOwn(ENTRIES, name.replace(/\.mjs$/, ''))) throw new Error(`build: ${file} would overwrite a bundle of the same name`);
  copyFileSync(join(root, file), join(staging, name));
}

/** Every workspace file a bundle or a copy was made from (not node_modules: installs rebuild). */
const inputs = [...Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules/')), ...COPIED].sort();
const sources = inputs.map((file) => {
  const s = statSync(join(root, file));
  return { file: relative(root, join(root, file)), size: s.size, mtimeMs: s.mtimeMs };
});
writeFileSync(join(staging, 'sources.json'), `${JSON.stringify({ builtAt: new Date().toISOString(), sources }, null, 1)}\n`);

// Replace dist in one step, so a command starting meanwhile sees the old build or the new one.
rmSync(outDir, { recursive: true, force: true });
renameSync(staging, outDir);

if (!quiet) {
  const bytes = Object.entries(result.metafile.outputs)
    .filter(([f]) => f.endsWith('.mjs'))
    .map(([f, o]) => `${f.slice(f.lastIndexOf('/') + 1)} ${(o.bytes / 1024).toFixed(0)} KiB`);
  process.stderr.write(`driftwatch: built ${relative(root, outDir)} (${bytes.join(', ')}; ${sources.length} sources) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
