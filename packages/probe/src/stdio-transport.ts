import { constants } from 'node:os';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ProbeContext } from './context.js';
import { reportChild } from './child-registry.js';
import { ProbeError } from './failure.js';
import { childrenOf, killGroup, launcher, lowerSessionPriority, signal, sweepMarked, sweepMarkedSync, type Launch, type LaunchedServer } from './sandbox/index.js';

/** Servers still alive (group leader pid → launch), killed synchronously if this process exits. */
const live = new Map<number, Launch>();
let exitHookInstalled = false;
function track(pid: number, launch: Launch): void {
  live.set(pid, launch);
  reportChild(pid, true);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      // bwrap: its --die-with-parent takes the namespace down once the leader is gone.
      for (const [p, l] of live) {
        killGroup(p, 'SIGKILL');
        if (l.marker) sweepMarkedSync(l.marker);
      }
    });
  }
}

function untrack(pid: number): void {
  if (live.delete(pid)) reportChild(pid, false);
}

/** A JSON-RPC message with a method: a notification or a request from the server, not an answer. */
function isUnsolicited(json: unknown): boolean {
  return typeof json === 'object' && json !== null && typeof (json as { method?: unknown }).method === 'string';
}

/** Exit status 128+n of bwrap means its command was killed by signal n. */
function signalName(code: number): string | undefined {
  return Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
}

/**
 * What the transport reports to while it runs: the probe's context during a poll, a kept
 * session's idle sink between polls (stdio-sessions.ts). Byte budgets, bad lines and unasked
 * messages are counted against whichever is bound.
 */
export type StdioSink = Pick<ProbeContext, 'maxResponseBytes' | 'failure' | 'fail' | 'countBytes' | 'noteBadLine' | 'noteUnsolicited'> & {
  readonly stderr: { push(chunk: Buffer): void };
  exitNote: string | undefined;
};

/**
 * MCP stdio client transport, written for untrusted servers (the SDK's StdioClientTransport
 * inherits our process group, buffers up to 10 MiB and takes up to 4 s to close):
 * - the server starts as `launch` says: inside bubblewrap (its own PID namespace: killing the
 *   namespace's init kills every process in it, however detached) or plainly;
 * - the child gets its own process group so that close kills its descendants too (under bwrap
 *   a second line; for a plain launch, strays that left the group are swept by env marker);
 * - one stdout line is capped at `maxResponseBytes` and the probe's byte budget counts every byte;
 * - lines that are not JSON-RPC are counted, not fatal, until there are too many;
 * - stderr is always drained and only its tail is kept;
 * - close escalates SIGTERM → SIGKILL after 0.2 s and waits (≤ 0.6 s more) for the exit.
 */
export class BoundedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: LaunchedServer | undefined;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private closed = false;
  private closing = false;
  private exited: Promise<void> | undefined;
  private swept: Promise<number> | undefined;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(
    private readonly launch: Launch,
    private ctx: StdioSink,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** False once the server exited or the transport was closed. */
  get open(): boolean {
    return !this.closed && !this.closing && this.exitInfo === undefined;
  }

  /** Reports to `sink` from now on (a kept session moving between polls and idle). */
  bind(sink: StdioSink): void {
    this.ctx = sink;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      // Started by this thread's launcher, a small process of its own: a fork of driftwatch
      // itself stalls its event loop (sandbox/launcher-process.mjs).
      const child = launcher().launch(this.launch);
      this.child = child;
      this.exited = new Promise((r) => child.once('exit', () => r()));
      child.once('error', (e: NodeJS.ErrnoException) => {
        if (child.pid === undefined) {
          reject(new ProbeError('spawn_failed', `cannot start ${this.describe()}: ${e.code ?? e.message}`));
        } else {
          this.onerror?.(e);
        }
      });
      child.once('spawn', () => {
        const pid = child.pid!;
        track(pid, this.launch);
        // Before the server's own start-up work: a new session starts at autogroup niceness 0.
        lowerSessionPriority(pid);
        child.stdout!.on('data', (chunk: Buffer) => this.onStdout(chunk));
        child.stderr!.on('data', (chunk: Buffer) => this.ctx.stderr.push(chunk));
        child.stdout!.on('error', () => undefined);
        child.stderr!.on('error', () => undefined);
        resolve();
      });
      child.once('exit', (code, sig) => {
        this.exitInfo = { code, signal: sig };
        if (!this.closing) this.ctx.exitNote = this.describeExit(code, sig);
        if (child.pid !== undefined) {
          // Descendants may still hold the group; they go with it.
          killGroup(child.pid, 'SIGKILL');
          void this.sweep();
          untrack(child.pid);
        }
        // Let stdout drain what the process wrote before dying, then report the close.
        setTimeout(() => this.finish(), 50);
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.closed || stdin.destroyed) return Promise.reject(new Error('server process is not running'));
    return new Promise((resolve, reject) => {
      stdin.write(`${JSON.stringify(message)}\n`, (err) => (err ? reject(err) : resolve()));
    });
  }

  async close(): Promise<void> {
    const child = this.child;
    this.closing = true;
    // Not started yet: a start that still comes is killed as it arrives.
    if (child && child.pid === undefined) child.abandon();
    if (child && child.pid !== undefined && this.exitInfo === undefined) {
      child.stdin?.end();
      this.terminate(child.pid, 'SIGTERM');
      if (!(await this.waitExit(200))) {
        this.terminate(child.pid, 'SIGKILL');
        await this.waitExit(600);
      }
    }
    if (child?.pid !== undefined) {
      killGroup(child.pid, 'SIGKILL');
      await this.sweep();
      untrack(child.pid);
    }
    child?.stdout?.destroy();
    child?.stderr?.destroy();
    this.finish();
  }

  /**
   * bwrap: `pid` is bwrap, its only child the namespace's init, whose children are the server and
   * every process that left it. SIGTERM goes to those; SIGKILL to the init, and the kernel then
   * kills the whole namespace before bwrap can exit — so bwrap's exit means nothing is left.
   * Only if there is no init (not started yet, or gone) is bwrap itself killed (its
   * --die-with-parent then takes the namespace down). Plain: the process group.
   */
  private terminate(pid: number, sig: 'SIGTERM' | 'SIGKILL'): void {
    if (this.launch.confinement === 'plain') {
      killGroup(pid, sig);
      return;
    }
    const inits = childrenOf(pid);
    if (sig === 'SIGTERM') {
      for (const init of inits) for (const p of childrenOf(init)) signal(p, 'SIGTERM');
      return;
    }
    for (const init of inits) signal(init, 'SIGKILL');
    if (inits.length === 0) killGroup(pid, 'SIGKILL');
  }

  /** Plain launches: once the server is gone, its strays (one sweep per transport). */
  private sweep(): Promise<unknown> {
    if (!this.launch.marker) return Promise.resolve();
    this.swept ??= sweepMarked(this.launch.marker).catch(() => 0);
    return this.swept;
  }

  private describeExit(code: number | null, sig: NodeJS.Signals | null): string {
    if (sig) return ` (killed by ${sig})`;
    const bySignal = this.launch.confinement === 'bwrap' && code !== null && code > 128 ? signalName(code) : undefined;
    return bySignal ? ` (killed by ${bySignal})` : ` (exited with code ${code})`;
  }

  private async waitExit(ms: number): Promise<boolean> {
    if (this.exitInfo !== undefined || !this.exited) return true;
    let t: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((r) => (t = setTimeout(() => r(false), ms))),
    ]);
    clearTimeout(t);
    return done;
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.onclose?.();
  }

  private onStdout(chunk: Buffer): void {
    if (this.closed || !this.ctx.countBytes(chunk.length)) return;
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const part = chunk.subarray(start, nl);
      start = nl + 1;
      const line = this.pendingLen ? Buffer.concat([...this.pending, part]) : part;
      this.pending = [];
      this.pendingLen = 0;
      this.onLine(line);
      if (this.closed || this.ctx.failure) return;
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingLen += chunk.length - start;
      if (this.pendingLen > this.ctx.maxResponseBytes) {
        this.pending = [];
        this.pendingLen = 0;
        this.ctx.fail('too_large', `server wrote a stdout line longer than ${this.ctx.maxResponseBytes} bytes`);
      }
    }
  }

  private onLine(buf: Buffer): void {
    if (buf.length > this.ctx.maxResponseBytes) {
      this.ctx.fail('too_large', `server wrote a stdout line longer than ${this.ctx.maxResponseBytes} bytes`);
      return;
    }
    const line = buf.toString('utf8').replace(/\r$/, '');
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      this.ctx.noteBadLine(line);
      return;
    }
    // A probe only needs answers to its own requests. What the server sends unasked
    // (notifications, requests of its own) is passed on up to a bound, then dropped before any
    // validation: a list_changed storm must not cost a parse and a dispatch per message.
    if (isUnsolicited(json) && this.ctx.noteUnsolicited()) return;
    const parsed = JSONRPCMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.ctx.noteBadLine(line);
      return;
    }
    this.onmessage?.(parsed.data);
  }

  /** The command for a reason string: its name only, never arguments or env. */
  private describe(): string {
    return this.launch.label;
  }
}
