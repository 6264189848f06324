// The embedded store's SQLite driver (better-sqlite3) is a native addon compiled when it is
// installed: pnpm runs its build script only because pnpm-workspace.yaml allows it
// (onlyBuiltDependencies), and the build needs python3, make and a C++ compiler (node-gyp; no
// prebuilt binary is fetched when GitHub is out of reach). An install can also predate that
// allowance and have skipped the build. Checked here, after the install, so that a missing build
// is rebuilt, or reported in one line, instead of a crash at `driftwatch start`.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const PROBE = "new (require('better-sqlite3'))(':memory:').close()";

function loads(storeDir) {
  return spawnSync(process.execPath, ['-e', PROBE], { cwd: storeDir, stdio: 'ignore' }).status === 0;
}

/** Returns true when better-sqlite3 loads (after one rebuild if needed). */
export function ensureSqlite(root, pnpm) {
  const storeDir = join(root, 'packages', 'store');
  if (loads(storeDir)) return true;
  process.stderr.write('driftwatch: building the SQLite driver (better-sqlite3)…\n');
  try {
    execFileSync('npx', ['--yes', pnpm, 'rebuild', '--filter', '@driftwatch/store', 'better-sqlite3'], { cwd: root, stdio: 'inherit', env: { ...process.env, JOBS: process.env.JOBS ?? 'max' } });
  } catch {
    // Reported below.
  }
  if (loads(storeDir)) return true;
  process.stderr.write(
    'driftwatch: the SQLite driver (better-sqlite3) did not build; the embedded store needs it. ' +
      'Install python3, make and g++ (Debian: apt-get install python3 make g++), then run npm run bootstrap again.\n',
  );
  return false;
}
