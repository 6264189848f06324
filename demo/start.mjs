// `npm start`: replay the Driftwatch demo. Plain Node ESM with no dependencies, so it runs before
// anything else is set up (the root script installs the workspace first).
//
//   1. forget the rug-pull clock, so the daily-facts server behaves again for RUGPULL_AFTER s;
//   2. start the notes server (Streamable HTTP) as a child process;
//   3. run `driftwatch start --config demo/driftwatch.yaml [extra args]` in the foreground;
//   4. when Driftwatch exits, or on SIGINT/SIGTERM, stop both and exit with Driftwatch's code.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const demoDir = dirname(fileURLToPath(import.meta.url));
const root = join(demoDir, '..');
const extraArgs = process.argv.slice(2);

// Same default as demo/servers/rugpull.ts; exported so the server (through the config's env)
// and this script agree on one path even when TMPDIR differs between them.
const rugpullState = process.env.RUGPULL_STATE || join(tmpdir(), 'driftwatch-demo-rugpull.json');
process.env.RUGPULL_STATE = rugpullState;
rmSync(rugpullState, { force: true });
// The clock itself, for a sandboxed server: its private /tmp forgets the state file every probe.
process.env.RUGPULL_SINCE = String(Date.now());

const notesPort = process.env.NOTES_PORT || '7431';
process.env.NOTES_PORT = notesPort;

// PORT is Driftwatch's API port; the notes server gets its own, on loopback only (some shells
// export HOST as the machine name).
const notes = spawn(process.execPath, ['--import', 'tsx', 'servers/notes-http.ts'], {
  cwd: demoDir,
  env: { ...process.env, PORT: notesPort, HOST: '127.0.0.1', ALLOWED_HOSTS: '' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
notes.on('error', (err) => process.stderr.write(`demo: could not start the notes server: ${err.message}\n`));
notes.on('exit', (code, signal) => {
  if (!stopping) process.stderr.write(`demo: the notes server exited (${signal ?? code}); Driftwatch will report it unreachable\n`);
});

let stopping = false;
let driftwatch;

/** Wait (bounded) for the notes server so the first poll does not see it unreachable. */
async function waitForNotes(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && notes.exitCode === null) {
    try {
      const res = await fetch(`http://127.0.0.1:${notesPort}/healthz`, { signal: AbortSignal.timeout(500) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function apiPort() {
  const i = extraArgs.indexOf('--port');
  if (i >= 0 && extraArgs[i + 1]) return extraArgs[i + 1];
  const eq = extraArgs.find((a) => a.startsWith('--port='));
  if (eq) return eq.slice('--port='.length);
  return process.env.PORT || '7420';
}

function killNotes() {
  if (notes.exitCode === null && notes.signalCode === null) notes.kill('SIGTERM');
}

function onSignal(signal) {
  if (stopping) return;
  stopping = true;
  killNotes();
  if (!driftwatch || driftwatch.exitCode !== null) process.exit(128 + (constants.signals[signal] ?? 1));
  // Ctrl-C in a terminal already reached Driftwatch (same process group); sending it again
  // could turn a graceful stop into a forced one. Otherwise (kill -TERM, no TTY) forward it.
  if (signal !== 'SIGINT' || !process.stdin.isTTY) driftwatch.kill(signal);
  // If the signal somehow did not arrive, do not leave the user waiting forever.
  setTimeout(() => driftwatch.exitCode === null && driftwatch.kill('SIGTERM'), 15_000).unref();
}
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('exit', killNotes);

await waitForNotes(15_000);
if (stopping) process.exit(130);

process.stdout.write(`Driftwatch demo starting: try \`curl localhost:${apiPort()}/v1/servers\` (daily-facts rug-pulls after ${process.env.RUGPULL_AFTER || 20}s)\n`);

driftwatch = spawn(process.execPath, ['services/cli/bin/driftwatch.mjs', 'start', '--config', 'demo/driftwatch.yaml', ...extraArgs], {
  cwd: root,
  stdio: 'inherit',
});
driftwatch.on('error', (err) => {
  process.stderr.write(`demo: could not start Driftwatch: ${err.message}\n`);
  killNotes();
  process.exit(1);
});
driftwatch.on('exit', (code, signal) => {
  stopping = true;
  killNotes();
  process.exit(code ?? 128 + (constants.signals[signal] ?? 1));
});
