/**
 * Who wants to know when a probe starts or reaps a server process. A probe thread forwards these
 * to its host, so that if the thread itself must be terminated (stalled by a hostile answer) the
 * host can still kill the servers it had started: a terminated thread runs no cleanup of its own.
 */
type Listener = (pid: number, alive: boolean) => void;
const listeners = new Set<Listener>();

export function onChildProcess(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function reportChild(pid: number, alive: boolean): void {
  for (const l of listeners) l(pid, alive);
}
