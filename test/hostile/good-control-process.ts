/**
 * The good server's control: the same catalog entry polled by the product's own probe
 * (probeServer, with its launcher and sandbox) from a process that does nothing else, on the
 * same schedule (a poll every interval, none while one runs, and the poller's backoff after
 * consecutive failures), in the same window as driftwatch.
 * On a machine the suite's fixtures saturate, it says how many of the good server's polls the
 * machine itself allows, so that a reader (and the test) can tell a starved good server from a
 * loaded box. Messages: the entry (JSON) in argv; 'stop' in; the figures out.
 */
import { backoffMs, ServerConfig } from '@driftwatch/core';
import { probeServer } from '@driftwatch/probe';

export interface GoodControlFigures {
  scheduled: number;
  ok: number;
  failed: number;
  ratio: number;
}

const server = ServerConfig.parse(JSON.parse(process.argv[2] ?? 'null'));
if (!process.send) throw new Error('usage: fork good-control-process.ts ENTRY_JSON (with an IPC channel)');

const started = performance.now();
let ok = 0;
let failed = 0;
let running: Promise<void> | undefined;
let stopping = false;
let consecutiveFailures = 0;
let notBefore = 0;
/** The poller's default cap (services/poller). */
const BACKOFF_CAP_MS = 5 * 60_000;

function pollOnce(): void {
  if (running || stopping || performance.now() < notBefore) return;
  running = probeServer(server, { timeoutMs: server.timeout * 1000 })
    .then((r) => {
      if (stopping) return;
      if (r.ok) {
        ok++;
        consecutiveFailures = 0;
      } else {
        failed++;
        consecutiveFailures++;
        notBefore = performance.now() + backoffMs(consecutiveFailures, server.interval * 1000, BACKOFF_CAP_MS);
      }
    })
    .finally(() => (running = undefined));
}

pollOnce();
const timer = setInterval(pollOnce, server.interval * 1000);
process.on('message', (m) => {
  if (m !== 'stop') return;
  stopping = true;
  clearInterval(timer);
  const scheduled = Math.floor((performance.now() - started) / 1000 / server.interval);
  const figures: GoodControlFigures = { scheduled, ok, failed, ratio: scheduled ? ok / scheduled : Number.NaN };
  process.send!(figures, () => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
process.send({ started: true });
