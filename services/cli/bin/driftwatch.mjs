#!/usr/bin/env node
// Runs the compiled build (dist/, made by `npm run build` and by the bootstrap) when it was made
// from the sources as they are now; otherwise compiles the sources on load with tsx, and says why
// on stderr. The build keeps the TypeScript compiler out of every worker thread (see
// scripts/build.mjs); tsx keeps a fresh checkout and an edited source working without a build step.
import { DIST, staleBuild } from './build-state.mjs';

const why = process.env.DRIFTWATCH_FROM_SOURCE === '1' ? 'DRIFTWATCH_FROM_SOURCE=1' : staleBuild();
let main;
if (why === undefined) {
  ({ main } = await import(new URL('main.mjs', DIST).href));
} else {
  // Said only when a build exists but is out of date: a checkout without one is the normal case.
  if (why !== 'no build' && !why.startsWith('DRIFTWATCH_FROM_SOURCE')) {
    process.stderr.write(`driftwatch: running from the TypeScript sources (${why}; \`npm run build\` compiles them)\n`);
  }
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/main.ts'));
}
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything was closed in order; if a library still holds a handle, don't hang a deploy on it.
setTimeout(() => process.exit(code), 2_000).unref();
