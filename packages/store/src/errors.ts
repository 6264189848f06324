/** A stored value that is not what this version of Driftwatch wrote (corrupt, foreign, or from a newer schema). */
export class CorruptValueError extends Error {
  override readonly name = 'CorruptValueError';
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`corrupt value under "${key}": ${problem}`);
  }
}

/** The data directory is held by another live process. */
export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError';
  constructor(
    readonly dir: string,
    readonly holderPid: number | null,
  ) {
    super(
      `data directory ${dir} is in use by another Driftwatch process` +
        (holderPid === null ? '' : ` (pid ${holderPid})`) +
        '; stop it, or remove the LOCK file if you are sure it is gone',
    );
  }
}

/** The store was closed, or its durable log failed and it refuses further writes. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/**
 * The embedded database is damaged, missing or emptied, or is not one this version can read: the
 * store refuses to open rather than start with part of its state (a forgotten quarantine puts a
 * poisoned server back in service). `file` is the path an operator should look at.
 */
export class StoreCorruptError extends Error {
  override readonly name = 'StoreCorruptError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}
