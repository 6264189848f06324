// Whether services/cli/dist (scripts/build.mjs) may run in place of the sources: only while every
// workspace file it was made from is as it was then (size and modification time, as recorded in
// dist/sources.json). Plain JavaScript: bin/driftwatch.mjs and the bootstrap read it before any loader.
import { readFileSync, statSync } from 'node:fs';

export const DIST = new URL('../dist/', import.meta.url);
const ROOT = new URL('../../../', import.meta.url);

/** Why the build in `dist` cannot be used ('no build', a file that changed, …), or undefined when it can. */
export function staleBuild(dist = DIST, root = ROOT) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('sources.json', dist), 'utf8'));
  } catch {
    return 'no build';
  }
  if (!Array.isArray(manifest?.sources) || manifest.sources.length === 0) return 'dist/sources.json lists no source';
  for (const { file, size, mtimeMs } of manifest.sources) {
    let now;
    try {
      now = statSync(new URL(file, root));
    } catch {
      return `${file} is gone`;
    }
    if (now.size !== size || now.mtimeMs !== mtimeMs) return `${file} changed since the build`;
  }
  return undefined;
}
