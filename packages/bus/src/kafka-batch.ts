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
  /**
   * Keys whose messages start ahead of the others' in this batch (SubscribeOptions.urgent), each
   * key asked once per batch (a throw counts as false). Per-key order and the committed prefix are
   * unchanged: an urgent message finishing early is committed only once everything before it is.
   */
  urgent?: (key: string) => boolean;
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

  for (const index of startOrder(messages, options.urgent)) {
    if (failure || options.stopped()) break;
    while (running.size >= options.concurrency) await Promise.race(running);
    if (failure || options.stopped()) break;
    const message = messages[index]!;
    const before = tails.get(message.key);
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

/**
 * The order messages start in: offset order, or the urgent keys' messages first and then the
 * rest, each lane in offset order. A key is in one lane for the whole batch, so its messages keep
 * their order.
 */
function startOrder(messages: readonly BatchMessage[], urgent: ((key: string) => boolean) | undefined): number[] {
  const all = messages.map((_, i) => i);
  if (!urgent) return all;
  const lane = new Map<string, boolean>();
  const isUrgent = (key: string): boolean => {
    let u = lane.get(key);
    if (u === undefined) {
      try {
        u = urgent(key) === true;
      } catch {
        u = false;
      }
      lane.set(key, u);
    }
    return u;
  };
  const first = all.filter((i) => isUrgent(messages[i]!.key));
  if (first.length === 0 || first.length === messages.length) return all;
  return [...first, ...all.filter((i) => !lane.get(messages[i]!.key))];
}
