import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the CPU priority of the calling thread (Linux: a worker thread is a task of its own,
 * with its own niceness). Worker threads that parse and scan what servers send run a little
 * below the event loop that answers /healthz and the API, so that on a busy machine the
 * scheduler serves the event loop first. Best effort: returns false where it cannot (not Linux,
 * no /proc), and never raises a priority.
 */
export function lowerThreadPriority(niceness: number): boolean {
  try {
    // /proc/thread-self → "<pid>/task/<tid>": setpriority(PRIO_PROCESS, tid) sets one thread's nice.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, niceness);
    return true;
  } catch {
    return false;
  }
}
