import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  close: () => Promise<void>;
}

/** The slice of `process` that shutdown listens on; injectable so tests never touch real signals. */
export interface SignalSource {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface InstallShutdownOptions {
  logger: Logger;
  /** In order: typically stop intake (http, consumers) → flush producers → close stores. A function is read at shutdown time. */
  steps: ShutdownStep[] | (() => ShutdownStep[]);
  /** Upper bound for all steps together; default 25 s (under Kubernetes' 30 s grace). */
  timeoutMs?: number;
  /** Default process.exit. */
  exit?: (code: number) => void;
  /** Default process. */
  target?: SignalSource;
}

export interface ShutdownHandle {
  /** Runs the steps once (later calls share the first run) and then exits. */
  shutdown: (reason: string) => Promise<void>;
  /** Removes the process listeners (tests; a process that re-installs). */
  uninstall: () => void;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Graceful shutdown on SIGTERM/SIGINT; fatal shutdown (exit 1) on an unhandled rejection or an
 * uncaught exception, because a process in an unknown state must not keep consuming. A second
 * signal means the operator is done waiting: exit 1 at once.
 */
export function installShutdown(options: InstallShutdownOptions): ShutdownHandle {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const target: SignalSource = options.target ?? (process as unknown as SignalSource);
  const timeoutMs = options.timeoutMs ?? 25_000;

  let running: Promise<void> | undefined;
  let exitCode = 0;
  let exited = false;
  const exitOnce = (code: number): void => {
    if (exited) return;
    exited = true;
    exit(code);
  };

  const run = async (reason: string): Promise<void> => {
    const steps = typeof options.steps === 'function' ? options.steps() : options.steps;
    const started = Date.now();
    logger.info({ reason, steps: steps.map((s) => s.name) }, 'shutting down');
    let timer: NodeJS.Timeout | undefined;
    let current = '';
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const all = (async () => {
      for (const step of steps) {
        current = step.name;
        const t0 = Date.now();
        try {
          await step.close();
          logger.info({ step: step.name, durationMs: Date.now() - t0 }, 'shutdown step done');
        } catch (err) {
          // One stuck or broken dependency must not stop the others from flushing.
          logger.error({ err, step: step.name, durationMs: Date.now() - t0 }, 'shutdown step failed');
        }
      }
      return 'done' as const;
    })();
    const outcome = await Promise.race([all, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      logger.error({ timeoutMs, step: current }, 'shutdown timed out; exiting');
      exitOnce(1);
      return;
    }
    logger.info({ durationMs: Date.now() - started, exitCode }, 'shutdown complete');
    exitOnce(exitCode);
  };

  const shutdown = (reason: string): Promise<void> => {
    running ??= run(reason).catch((err: unknown) => {
      logger.fatal({ err }, 'shutdown failed');
      exitOnce(1);
    });
    return running;
  };

  const onSignal = (signal: unknown): void => {
    if (running) {
      logger.warn({ signal }, 'second signal during shutdown; exiting now');
      exitOnce(1);
      return;
    }
    void shutdown(String(signal));
  };
  const onRejection = (reason: unknown): void => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    exitCode = 1;
    void shutdown('unhandledRejection');
  };
  const onException = (err: unknown): void => {
    logger.fatal({ err }, 'uncaught exception');
    exitCode = 1;
    void shutdown('uncaughtException');
  };

  for (const signal of SIGNALS) target.on(signal, onSignal);
  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);

  const uninstall = (): void => {
    for (const signal of SIGNALS) target.off(signal, onSignal);
    target.off('unhandledRejection', onRejection);
    target.off('uncaughtException', onException);
  };

  return { shutdown, uninstall };
}
