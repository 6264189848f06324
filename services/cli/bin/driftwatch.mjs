#!/usr/bin/env node
// The sources are TypeScript; tsx compiles them on load so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything was closed in order; if a library still holds a handle, don't hang a deploy on it.
setTimeout(() => process.exit(code), 2_000).unref();
