import { Pool, type Dispatcher } from 'undici';
import type { ResolvedAddress } from './address-guard.js';
import { ProbeError } from './failure.js';
import { createPinnedConnector, realConnector, type PinnedConnectorFactory } from './guarded-dispatcher.js';

export interface ConnectionPoolOptions {
  /** Origins (with their checked addresses and policy) kept at once; the least recently used is closed past it. Default 256. */
  maxOrigins?: number;
  /**
   * How long an idle connection is kept when the server does not say (no `Keep-Alive: timeout`);
   * default 4 s, below the 5 s most servers close idle connections after.
   */
  keepAliveMs?: number;
  /** Upper bound of what a server's `Keep-Alive: timeout` may make us keep a connection for; default 30 s. */
  maxKeepAliveMs?: number;
  /** Tests: the real connector of an origin (default: sockets to its checked addresses). */
  connector?: PinnedConnectorFactory;
}

/**
 * Keep-alive connections shared by the probes of one thread, so that a poll's requests (and the
 * next poll of the same server) reuse a connection instead of opening one each.
 *
 * A pooled connection belongs to one (origin, checked addresses, policy): a probe gets the pool
 * for the addresses its own guard resolved and checked, so the guard's properties hold as before
 * (one resolution per host per probe, every address checked, sockets only to checked addresses),
 * and a probe whose policy or DNS answer differs never gets another probe's connections. Each new
 * connection is judged against the policy again (createPinnedConnector). A probe's requests
 * listen on its signal, which aborts when the probe settles: a request still running then is
 * aborted and its socket destroyed, never handed to the next poll.
 */
export interface ConnectionPool {
  /**
   * The keep-alive dispatcher for `origin` connecting only to `addresses` (checked under
   * `allowPrivateNetwork`). `fresh`: the connections kept so far are closed (requests running on
   * them finish) and a new dispatcher is started, for a request that must not reuse them.
   */
  dispatcherFor(origin: string, addresses: ReadonlyArray<ResolvedAddress>, allowPrivateNetwork: boolean, fresh?: boolean): Dispatcher;
  /** Origins held. */
  readonly size: number;
  /** Closes every connection (waiting for requests still running, which their probes abort). Memoised. */
  close(): Promise<void>;
}

/** How long close() waits for running requests before it destroys their sockets. */
const CLOSE_GRACE_MS = 1_000;

interface Entry {
  pool: Pool;
  lastUsed: number;
}

export function createConnectionPool(options: ConnectionPoolOptions = {}): ConnectionPool {
  const maxOrigins = options.maxOrigins ?? 256;
  const keepAliveMs = options.keepAliveMs ?? 4_000;
  const maxKeepAliveMs = options.maxKeepAliveMs ?? 30_000;
  const connector = options.connector ?? realConnector;
  if (!Number.isInteger(maxOrigins) || maxOrigins < 1) throw new RangeError(`connection pool: maxOrigins must be an integer ≥ 1 (got ${maxOrigins})`);
  if (!(keepAliveMs > 0) || !(maxKeepAliveMs >= keepAliveMs)) {
    throw new RangeError(`connection pool: need 0 < keepAliveMs ≤ maxKeepAliveMs (got ${keepAliveMs}, ${maxKeepAliveMs})`);
  }
  // Map order is use order (an entry is re-inserted when used): the first entry is the least recent.
  const entries = new Map<string, Entry>();
  let closing: Promise<void> | undefined;

  const retire = (key: string, entry: Entry): void => {
    entries.delete(key);
    // Graceful: a request still running finishes (or is aborted by its probe); idle sockets close now.
    void entry.pool.close().catch(() => undefined);
  };

  /** Drops origins unused for longer than any of their connections may live: nothing left to reuse. */
  const sweep = (now: number): void => {
    for (const [key, entry] of entries) {
      if (now - entry.lastUsed <= maxKeepAliveMs) break;
      retire(key, entry);
    }
  };

  return {
    dispatcherFor(origin, addresses, allowPrivateNetwork, fresh = false) {
      if (closing) throw new ProbeError('internal', 'the probe connection pool is closed');
      const now = performance.now();
      sweep(now);
      const key = `${allowPrivateNetwork ? 'private' : 'public'} ${origin} ${addresses.map((a) => a.address).sort().join(',')}`;
      let entry = entries.get(key);
      if (entry && fresh) {
        retire(key, entry);
        entry = undefined;
      }
      if (entry) {
        entries.delete(key);
      } else {
        entry = {
          pool: new Pool(origin, {
            connect: createPinnedConnector(addresses, allowPrivateNetwork, connector(addresses)),
            keepAliveTimeout: keepAliveMs,
            keepAliveMaxTimeout: maxKeepAliveMs,
          }),
          lastUsed: now,
        };
        while (entries.size >= maxOrigins) {
          const [oldestKey, oldest] = entries.entries().next().value!;
          retire(oldestKey, oldest);
        }
      }
      entry.lastUsed = now;
      entries.set(key, entry);
      return entry.pool;
    },
    get size() {
      return entries.size;
    },
    close() {
      closing ??= (async () => {
        const all = [...entries.values()].map((e) => e.pool);
        entries.clear();
        // Requests still running belong to probes being cancelled; past a short grace, cut them.
        let t: NodeJS.Timeout | undefined;
        const closed = Promise.allSettled(all.map((p) => p.close()));
        const graceful = await Promise.race([closed.then(() => true), new Promise<false>((r) => (t = setTimeout(() => r(false), CLOSE_GRACE_MS)))]);
        clearTimeout(t);
        if (!graceful) await Promise.allSettled(all.map((p) => p.destroy()));
      })();
      return closing;
    },
  };
}

let shared: ConnectionPool | undefined;

/** The pool of this thread (created on first use): what probes use unless given one. */
export function sharedConnectionPool(): ConnectionPool {
  shared ??= createConnectionPool();
  return shared;
}

/** Closes this thread's shared pool (the probe host does it before it stops a thread); a later probe starts a new one. */
export async function closeSharedConnectionPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
