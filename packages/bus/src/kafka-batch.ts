// One fetched batch of one partition, handled as the bus promises: one key's messages one at a
// time and in order, different keys at once (up to a bound), and progress committed only as far
// as every message before it is done — so a crash redelivers, and never skips, what was not.

/** What the batch runner needs of a message. */
export interface BatchMessage {
  offset: string;
  key: string;
}

export interface BatchRunOptions<M extends BatchMessage> {
  /** Messages handled at once (different keys only). */
  concurrency: number;
  /** Handles one message: `done` may be committed, `aborted` (closing) must not be. */
  handle(message: M): Promise<'done' | 'aborted'>;
  /**
   * Every message before `next` (an offset) is done: mark it consumed and commit it. Called in
   * increasing order, at most once per `commitEveryMs` while the batch runs and once at its end.
   */
  progress(last: M, next: string): Promise<void>;
  /** True once no further message may start (closing, a rebalance took the partition). */
  stopped(): boolean;
  /** Least time between two mid-batch commits (default 1 s). */
  commitEveryMs?: number;
  now?: () => number;
}

// States of a message (0: pending, not settled yet).
const DONE = 1;
/** Aborted, skipped behind an aborted message of its key, or its handler threw. */
const NOT_DONE = 2;

/**
 * Runs `messages` (one partition's batch, in offset order). Resolves once every started message
 * has settled and the done prefix is committed; messages after the first one not done are left
 * for redelivery. A handler that throws fails the batch (after the others settle): the consumer
 * restarts from the last commit.
 */
export async function runBatch<M extends BatchMessage>(messages: readonly M[], options: BatchRunOptions<M>): Promise<void> {
  const now = options.now ?? (() => performance.now());
  const every = options.commitEveryMs ?? 1_000;
  const state = new Uint8Array(messages.length);
  /** Per key, the settlement of its latest started message: true when it was done. */
  const tails = new Map<string, Promise<boolean>>();
  const running = new Set<Promise<boolean>>();
  let prefix = 0;
  let committed = 0;
  let lastCommit = now();
  let failure: { error: unknown } | undefined;
  let committing: Promise<void> = Promise.resolve();

  const commit = (force: boolean): Promise<void> => {
    while (prefix < messages.length && state[prefix] === DONE) prefix++;
    if (prefix === committed || (!force && now() - lastCommit < every)) return committing;
    const upTo = prefix;
    committed = upTo;
    lastCommit = now();
    const last = messages[upTo - 1]!;
    // Chained: commits reach the broker in increasing order.
    committing = committing.then(() => options.progress(last, (BigInt(last.offset) + 1n).toString()));
    return committing;
  };

  for (let i = 0; i < messages.length && !failure && !options.stopped(); i++) {
    while (running.size >= options.concurrency) await Promise.race(running);
    if (failure || options.stopped()) break;
    const message = messages[i]!;
    const before = tails.get(message.key);
    const index = i;
    const work = (async (): Promise<boolean> => {
      // Behind an earlier message of its key: after it, and only if it was done.
      if (before && !(await before)) {
        state[index] = NOT_DONE;
        return false;
      }
      try {
        const result = await options.handle(message);
        state[index] = result === 'done' ? DONE : NOT_DONE;
      } catch (error) {
        state[index] = NOT_DONE;
        failure ??= { error };
      }
      if (state[index] === DONE) void commit(false).catch((error: unknown) => (failure ??= { error }));
      return state[index] === DONE;
    })();
    tails.set(message.key, work);
    running.add(work);
    void work.finally(() => running.delete(work));
  }
  await Promise.all(running);
  await commit(true);
  if (failure) throw failure.error;
}
