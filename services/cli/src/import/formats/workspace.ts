import { homedir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';

/**
 * The workspace folder of an editor's config file: the parent of its `.vscode` / `.cursor` folder,
 * except the user-wide one in the home directory (no workspace there).
 */
export function workspaceOf(file: string, folder: '.vscode' | '.cursor'): string | undefined {
  const dir = dirname(resolve(file));
  if (basename(dir) !== folder) return undefined;
  const workspace = dirname(dir);
  return workspace === homedir() ? undefined : workspace;
}
