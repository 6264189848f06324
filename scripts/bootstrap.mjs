// Installs the workspace when it is missing or stale, so `npm start` and `npm test` work on a
// fresh clone with only Node 20 and npm. pnpm comes from the npm registry through npx (corepack
// is deliberately not used: it cannot verify signatures against every registry).
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBubblewrap } from './install-bubblewrap.mjs';
import { ensureSqlite } from './check-sqlite.mjs';
import { staleBuild } from '../services/cli/bin/build-state.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = 'pnpm@10.34.8';
const marker = join(root, 'node_modules', '.modules.yaml');
const lock = join(root, 'pnpm-lock.yaml');

function stale() {
  if (!existsSync(marker)) return true;
  return existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs;
}

if (stale()) {
  // node-gyp compiles better-sqlite3's two translation units (SQLite itself and the binding) in
  // parallel with this; one at a time, on two cores, the build takes a minute longer.
  process.env.JOBS ??= 'max';
  const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
  process.stderr.write(`driftwatch: installing dependencies with ${PNPM}…\n`);
  execFileSync('npx', ['--yes', PNPM, 'install', ...frozen], { cwd: root, stdio: 'inherit' });
}

// The embedded store's native driver: rebuilt when an install skipped it; a failed build stops here.
if (!ensureSqlite(root, PNPM)) process.exit(1);

// The stdio sandbox; never fails the bootstrap (without it, `sandbox: auto` falls back).
ensureBubblewrap();

// The compiled command (services/cli/dist): rebuilt when a source changed since the last build, so
// that what `npm start` and the end-to-end tests run is what the sources say.
if (staleBuild() !== undefined) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
