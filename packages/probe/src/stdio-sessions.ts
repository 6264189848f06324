import { sha256Hex, type StdioServerConfig, type TransportFacts } from '@driftwatch/core';
import { PromptListChangedNotificationSchema, ResourceListChangedNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Connected } from './connect.js';
import { MAX_BAD_LINES, MAX_UNSOLICITED, TailBuffer } from './context.js';
import type { Failure } from './failure.js';
import type { BoundedStdioTransport, StdioSink } from './stdio-transport.js';

/** A stdio server kept running between polls: its process, initialized SDK Client and how it was started. */
export interface KeptSession {
  readonly serverId: string;
  /** Digest of everything that decides how the process was started (see launchKey). */
  readonly key: string;
  readonly connected: Connected;
  readonly stdio: BoundedStdioTransport;
  readonly sandbox: TransportFacts['sandbox'];
  /** The per-message bound the poll that started it had; kept for what it sends between polls. */
  readonly maxResponseBytes: number;
  /** When the process was started, on the sessions' clock (ms). */
  readonly startedAt: number;
  /** Polls it has served, the first included. */
  polls: number;
}

/** Why a kept session was not reused: it is stopped and the poll starts the server afresh. */
export type RestartReason = 'exited' | 'expired' | 'config_changed' | 'misbehaved';

interface Idle {
  session: KeptSession;
  sink: IdleSink;
  timer: NodeJS.Timeout;
}

export interface StdioSessionsOptions {
  /** Sessions kept at once (idle and in use); past it, newly started servers are not kept. */
  maxSessions: number;
  /** Bound on closing one session (its transport escalates SIGTERM → SIGKILL in < 1 s). */
  closeBoundMs?: number;
  /** Clock (ms, monotonic); tests pass their own. */
  now?: () => number;
  /**
   * Told when a kept server sends a list_changed notification (tools, prompts or resources), at
   * most once per `changedEveryMs` per server: a storm of notifications is one call a second.
   */
  onChanged?: (serverId: string) => void;
  /** Least time between two onChanged calls for one server (default 1 s). */
  changedEveryMs?: number;
}

/** Seconds a session may idle: two missed polls, so one slow or skipped round does not restart it. */
export function idleLimitMs(server: Pick<StdioServerConfig, 'interval' | 'timeout'>): number {
  return Math.max(30, 2 * server.interval + server.timeout) * 1000;
}

/**
 * Everything that decides how the server process is started. A session started under another
 * command, environment, sandbox or limits is not the configured server any more.
 */
export function launchKey(server: StdioServerConfig): string {
  const { command, args, env, cwd, sandbox, network, writableCwd, limits } = server;
  const sortedEnv = Object.keys(env)
    .sort()
    .map((k) => [k, env[k]]);
  return sha256Hex(JSON.stringify([command, args, sortedEnv, cwd ?? null, sandbox, network, writableCwd, limits]));
}

/**
 * Where a kept session reports between polls. What a server sends unasked while nobody polls is
 * read and bounded like a poll's answers; past a bound (bytes, bad lines) the session is stopped.
 */
export class IdleSink implements StdioSink {
  readonly stderr = new TailBuffer(1024);
  exitNote: string | undefined;
  failure: Failure | undefined;
  private bytes = 0;
  private badLines = 0;
  private unsolicited = 0;

  constructor(
    readonly maxResponseBytes: number,
    private readonly onFailure: (failure: Failure) => void,
  ) {}

  fail(code: Failure['code'], reason: string): void {
    if (this.failure) return;
    this.failure = { code, reason };
    this.onFailure(this.failure);
  }

  countBytes(n: number): boolean {
    this.bytes += n;
    if (this.bytes > this.maxResponseBytes) {
      this.fail('too_large', `server sent more than ${this.maxResponseBytes} bytes between polls`);
      return false;
    }
    return true;
  }

  noteBadLine(): void {
    this.badLines += 1;
    if (this.badLines > MAX_BAD_LINES) this.fail('protocol_error', `server wrote ${this.badLines} non-JSON-RPC lines between polls`);
  }

  noteUnsolicited(): boolean {
    this.unsolicited += 1;
    return this.unsolicited > MAX_UNSOLICITED;
  }
}

/**
 * The stdio servers a probe thread keeps running (`keepConnected`), at most one per server id
 * and `maxSessions` in all. A session is either lent to one poll (`take` … `give`/`discard`) or
 * idle. Idle sessions stop after two missed polls (idleLimitMs) and when they misbehave. When
 * full, servers beyond are started and stopped per poll until a kept one goes. One per probe
 * thread (no sharing across threads).
 */
export class StdioSessions {
  private readonly idle = new Map<string, Idle>();
  private readonly lent = new Set<KeptSession>();
  private readonly closing = new Set<Promise<void>>();
  /** Started while the sessions were full: served their poll, stopped after it. */
  private readonly overflow = new WeakSet<KeptSession>();
  private readonly maxSessions: number;
  private readonly closeBoundMs: number;
  private readonly now: () => number;
  private closed = false;
  private readonly onChanged: ((serverId: string) => void) | undefined;
  private readonly changedEveryMs: number;
  /** Per server, when onChanged was last called, and whether a call waits for the gap to pass. */
  private readonly changed = new Map<string, { at: number; timer?: NodeJS.Timeout }>();

  constructor(options: StdioSessionsOptions) {
    if (!Number.isInteger(options.maxSessions) || options.maxSessions < 1) {
      throw new RangeError(`stdio sessions: maxSessions must be an integer ≥ 1 (got ${options.maxSessions})`);
    }
    this.maxSessions = options.maxSessions;
    this.closeBoundMs = options.closeBoundMs ?? 1_500;
    this.now = options.now ?? (() => performance.now());
    this.onChanged = options.onChanged;
    this.changedEveryMs = options.changedEveryMs ?? 1_000;
  }

  /** Sessions alive: idle and lent. */
  get size(): number {
    return this.idle.size + this.lent.size;
  }

  /**
   * The server's idle session, lent to the caller, or why there is none to reuse (`none`: never
   * started, in use by another poll, or stopped while idle). A session that cannot be reused is
   * stopped here.
   */
  take(server: StdioServerConfig): { session: KeptSession } | { reason: RestartReason | 'none' } {
    const entry = this.idle.get(server.id);
    if (!entry || this.closed) return { reason: 'none' };
    this.idle.delete(server.id);
    clearTimeout(entry.timer);
    const { session, sink } = entry;
    let reason: RestartReason | undefined;
    if (!session.stdio.open) reason = 'exited';
    else if (sink.failure) reason = 'misbehaved';
    else if (session.key !== launchKey(server)) reason = 'config_changed';
    else if (this.now() - session.startedAt >= server.sessionMaxAge * 1000) reason = 'expired';
    if (reason) {
      this.stop(session);
      return { reason };
    }
    this.lent.add(session);
    return { session };
  }

  /** Records a newly started server as a session lent to the poll that started it. */
  adopt(started: Omit<KeptSession, 'startedAt' | 'polls'>): KeptSession {
    const session: KeptSession = { ...started, startedAt: this.now(), polls: 1 };
    if (this.onChanged) {
      const notify = (): void => this.noteChanged(session.serverId);
      const client = session.connected.client;
      client.setNotificationHandler(ToolListChangedNotificationSchema, notify);
      client.setNotificationHandler(PromptListChangedNotificationSchema, notify);
      client.setNotificationHandler(ResourceListChangedNotificationSchema, notify);
    }
    // Full: the newcomer is not kept. Stopping the longest idle instead would, with servers
    // polled in turn, stop each one just before its next poll and keep none (LRU thrash).
    if (this.size >= this.maxSessions) this.overflow.add(session);
    this.lent.add(session);
    return session;
  }

  /** Takes a lent session back after a successful poll: it idles until the next one. */
  give(session: KeptSession, server: StdioServerConfig): void {
    this.lent.delete(session);
    if (this.closed || !session.stdio.open || this.overflow.has(session)) {
      void this.stop(session);
      return;
    }
    // A second session of the same server (two polls overlapped): the older one goes.
    const previous = this.idle.get(server.id);
    if (previous) this.evict(server.id);
    const sink = new IdleSink(session.maxResponseBytes, () => this.evict(server.id, session));
    session.stdio.bind(sink);
    const timer = setTimeout(() => this.evict(server.id, session), idleLimitMs(server));
    timer.unref();
    this.idle.set(server.id, { session, sink, timer });
  }

  /** Stops the server's idle session, if any (it is no longer to be kept). */
  drop(serverId: string): void {
    this.evict(serverId);
  }

  /** Stops a lent session (its poll failed or was cancelled). */
  discard(session: KeptSession): Promise<void> {
    this.lent.delete(session);
    return this.stop(session);
  }

  /** Stops every session, idle or lent, and waits (bounded) for their processes to end. */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.changed.values()) clearTimeout(c.timer);
    this.changed.clear();
    for (const id of [...this.idle.keys()]) this.evict(id);
    for (const session of [...this.lent]) void this.discard(session);
    await Promise.allSettled([...this.closing]);
  }

  /** Calls onChanged now, or once the server's gap has passed (one call however many arrive). */
  private noteChanged(serverId: string): void {
    if (this.closed || !this.onChanged) return;
    const last = this.changed.get(serverId);
    if (last?.timer) return;
    const wait = last ? last.at + this.changedEveryMs - this.now() : 0;
    const fire = (): void => {
      this.changed.set(serverId, { at: this.now() });
      if (!this.closed) this.onChanged?.(serverId);
    };
    if (wait <= 0) {
      fire();
      return;
    }
    const timer = setTimeout(fire, wait);
    timer.unref();
    this.changed.set(serverId, { at: last!.at, timer });
  }

  /** Stops the idle session of `serverId` (only if it is still `only`, when given). */
  private evict(serverId: string, only?: KeptSession): void {
    const entry = this.idle.get(serverId);
    if (!entry || (only && entry.session !== only)) return;
    this.idle.delete(serverId);
    clearTimeout(entry.timer);
    void this.stop(entry.session);
  }

  private stop(session: KeptSession): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    const done = Promise.race([
      session.connected.client.close().catch(() => undefined),
      new Promise<void>((r) => (t = setTimeout(r, this.closeBoundMs))),
    ]).finally(() => {
      clearTimeout(t);
      this.closing.delete(done);
    });
    this.closing.add(done);
    return done;
  }
}
