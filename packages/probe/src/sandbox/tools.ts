import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** The helper programs a sandboxed launch needs, as absolute paths (undefined: not found). */
export interface SandboxTools {
  /** bubblewrap: namespaces, mounts. */
  bwrap: string | undefined;
  /** util-linux setpriv: parent-death signal, and dropping root to an unprivileged uid. */
  setpriv: string | undefined;
  /** util-linux prlimit: resource limits for the command it runs. */
  prlimit: string | undefined;
  /** coreutils nice: probed servers run at a lower CPU priority than driftwatch. */
  nice?: string | undefined;
}

/** Overrides where bubblewrap is (a path, or a name looked up on PATH); tests point it nowhere. */
export const BWRAP_ENV = 'DRIFTWATCH_BWRAP';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Like `command -v`: an absolute path for `name`, searched on driftwatch's own PATH. */
export function which(name: string, path = process.env.PATH ?? ''): string | undefined {
  if (isAbsolute(name)) return executable(name) ? name : undefined;
  for (const dir of path.split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const file = join(dir, name);
    if (executable(file)) return file;
  }
  return undefined;
}

/**
 * Resolved on every launch (a few stat calls), so installing bubblewrap or changing the
 * override takes effect without a restart; the self-test result is cached per set of paths.
 */
export function findTools(env: NodeJS.ProcessEnv = process.env): SandboxTools {
  const bwrap = env[BWRAP_ENV]?.trim() || 'bwrap';
  return { bwrap: which(bwrap, env.PATH), setpriv: which('setpriv', env.PATH), prlimit: which('prlimit', env.PATH), nice: which('nice', env.PATH) };
}
