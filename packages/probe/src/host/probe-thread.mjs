// Entry of a probe worker thread: the sources are TypeScript, compiled on load by tsx (the same
// loader the CLI uses); a worker does not inherit its parent's loader.
import { register } from 'tsx/esm/api';

register();
await import('./probe-thread.ts');
