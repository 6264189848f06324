// The launcher: a small Node process that starts probed servers on behalf of a probe thread.
//
// Why a process of its own: starting a process forks the one that asks. Forked from driftwatch
// (hundreds of MiB, several threads), each start copied its page tables while holding its memory
// lock, and left every page copy-on-write: the event loop stalled on page faults and a probe
// thread spent up to a fifth of a hostile run inside spawn(). Forked from this process (tens of
// MiB, one thread), a start costs a few milliseconds.
//
// Plain JavaScript with no dependency, so that it starts without a loader. It talks to its probe
// thread over Node's IPC channel (JSON), and wires each server's stdin and stdout to one Unix
// socket and its stderr to another, both connected to listeners the probe thread opened in a
// private (0700) directory: the server's output never passes through this process.
//
// Messages in:  { type: 'launch', id, command, args, env, cwd, io, err }
// Messages out: { type: 'spawned', id, pid } | { type: 'failed', id, reason } | { type: 'exit', id, code, signal }
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { connect } from 'node:net';

/** The private directory of the launch sockets (argv), removed when the probe thread is gone. */
const socketDir = process.argv[2];

/** Pids of the servers started and not yet exited. */
const live = new Set();

function reply(message) {
  if (process.connected) process.send(message);
}

function open(path) {
  return new Promise((resolve, reject) => {
    const socket = connect({ path, allowHalfOpen: true });
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      // Nothing may be read here: what the probe writes is the server's stdin. The probe writes
      // only after `spawned`, by when this copy is closed; pausing is the second line.
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function launch(m) {
  let io;
  let err;
  try {
    io = await open(m.io);
    err = await open(m.err);
  } catch (e) {
    io?.destroy();
    reply({ type: 'failed', id: m.id, reason: `cannot reach the probe's socket: ${e.code ?? e.message}` });
    return;
  }
  let child;
  try {
    // detached: a session and process group of its own (killed as a group; no controlling terminal).
    child = spawn(m.command, m.args, { env: m.env, cwd: m.cwd, stdio: [io, io, err], detached: true, shell: false, windowsHide: true });
  } catch (e) {
    io.destroy();
    err.destroy();
    reply({ type: 'failed', id: m.id, reason: e.message });
    return;
  }
  // The server holds its own copies now.
  io.destroy();
  err.destroy();
  child.once('error', (e) => {
    if (child.pid === undefined) reply({ type: 'failed', id: m.id, reason: e.code ?? e.message });
  });
  child.once('spawn', () => {
    live.add(child.pid);
    reply({ type: 'spawned', id: m.id, pid: child.pid });
  });
  child.once('exit', (code, signal) => {
    live.delete(child.pid);
    reply({ type: 'exit', id: m.id, code, signal });
  });
}

process.on('message', (m) => {
  if (m && m.type === 'launch') void launch(m);
});

// The probe thread is gone (closed, terminated, or driftwatch killed): so is every server it had.
process.on('disconnect', () => {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (socketDir && basename(socketDir).startsWith('driftwatch-launch-')) rmSync(socketDir, { recursive: true, force: true });
  process.exit(0);
});
