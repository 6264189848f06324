// Installs Debian's bubblewrap (the stdio servers' sandbox) when it is missing and this machine
// can: Linux, root, apt-get present. Quiet, non-interactive, bounded in time, and it never fails
// its caller — without bubblewrap, `sandbox: auto` falls back to an unsandboxed launch (and says
// so in every snapshot). Run by bootstrap.mjs and by the set-up of the tests that need the
// sandbox. Prints one line when it acts; exit code 0 when bwrap is there afterwards, else 1.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STEP_TIMEOUT_MS = 180_000;

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

function apt(args) {
  const r = spawnSync('apt-get', args, {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    stdio: 'ignore',
    timeout: STEP_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  return r.status === 0;
}

/** True when bwrap is on PATH afterwards. */
export function ensureBubblewrap() {
  if (onPath('bwrap')) return true;
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || !onPath('apt-get')) return false;
  process.stderr.write('driftwatch: installing bubblewrap (the stdio sandbox) with apt-get…\n');
  const install = ['install', '-y', '-q', '--no-install-recommends', 'bubblewrap'];
  // A fresh image often has no package lists yet: update once, then try again.
  const ok = apt(install) || (apt(['update', '-q']) && apt(install));
  const there = ok && onPath('bwrap');
  if (!there) process.stderr.write('driftwatch: could not install bubblewrap; stdio servers with `sandbox: auto` will run unsandboxed\n');
  return there;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = ensureBubblewrap() ? 0 : 1;
}
