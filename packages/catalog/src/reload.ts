import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';

/** The slice of `process` a reloader listens on for SIGHUP; injectable so tests send no real signals. */
export interface SignalTarget {
  on(event: 'SIGHUP', listener: () => void): unknown;
  off(event: 'SIGHUP', listener: () => void): unknown;
}

export interface ConfigReloaderOptions {
  path: string;
  logger: Logger;
  /** Reads and applies the file; a throw is logged by the reloader (one line) and the running catalog is kept. */
  reload: (trigger: 'signal' | 'change') => Promise<void>;
  /** Follow file changes too (`catalog: file`); SIGHUP is always followed. */
  watchFile: boolean;
  /** Changes closer together than this are applied once (editors write a file in several steps). Default 300 ms. */
  debounceMs?: number;
  /** Default process; null: no signal handler. */
  signals?: SignalTarget | null;
}

export interface ConfigReloader {
  /** Runs a reload now (as SIGHUP does); resolves when it has been applied or refused. */
  trigger(trigger?: 'signal' | 'change'): Promise<void>;
  close(): void;
}

/**
 * Reloads the config file on SIGHUP and, when asked, when the file changes. The directory is
 * watched rather than the file: editors save by writing a new file and renaming it over the old
 * one, and Kubernetes swaps a ConfigMap by a symlink, both of which end a watch on the file itself.
 * Reloads never overlap: one that arrives while another runs is applied after it, once.
 */
export function createConfigReloader(options: ConfigReloaderOptions): ConfigReloader {
  const log = options.logger.child({ component: 'catalog-reload' });
  const path = resolve(options.path);
  const name = basename(path);
  const debounceMs = options.debounceMs ?? 300;
  const signals = options.signals === undefined ? (process as unknown as SignalTarget) : options.signals;
  let running: Promise<void> | undefined;
  let again: 'signal' | 'change' | undefined;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  let closed = false;

  async function runOnce(trigger: 'signal' | 'change'): Promise<void> {
    try {
      await options.reload(trigger);
    } catch (err) {
      // One clear line; ConfigError lists one issue per line, folded here.
      const message = (err instanceof Error ? err.message : String(err)).split('\n').join('; ');
      log.error({ trigger, path }, `config reload failed; keeping the running catalog: ${message}`);
    }
  }

  function trigger(kind: 'signal' | 'change' = 'signal'): Promise<void> {
    if (closed) return Promise.resolve();
    if (running) {
      again = kind;
      return running;
    }
    running = (async () => {
      let next: 'signal' | 'change' | undefined = kind;
      while (next && !closed) {
        again = undefined;
        await runOnce(next);
        next = again;
      }
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  const onSignal = () => {
    log.info({ path }, 'SIGHUP: reloading the config file');
    void trigger('signal');
  };
  signals?.on('SIGHUP', onSignal);

  if (options.watchFile) {
    try {
      watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file !== null && file !== name && !file.startsWith('..')) return;
        clearTimeout(timer);
        timer = setTimeout(() => void trigger('change'), debounceMs);
      });
      watcher.on('error', (err) => log.warn({ path, err: err.message }, 'config file watch failed; SIGHUP still reloads'));
    } catch (err) {
      log.warn({ path, err: (err as Error).message }, 'cannot watch the config file; SIGHUP still reloads');
    }
  }

  return {
    trigger,
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
      signals?.off('SIGHUP', onSignal);
    },
  };
}
