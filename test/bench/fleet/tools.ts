/**
 * The fleet's tool lists: ~50 real tools per server, drawn from the benign corpus (tool lists
 * captured from real MCP servers on npm, test/corpus/benign), so descriptions and JSON-schema
 * parameters have the sizes real servers send. Pure and deterministic: the fleet host (one child
 * process for every HTTP server) and the config writer (stdio servers' state files) compute the
 * same list for a server from its index alone, so no list is ever held for 10 000 servers at once.
 *
 * Every server's tool names carry its own prefix (`s3f_read_file`): no two servers share a name,
 * so the cross-server rules (shadowing, references to another server's tool) see a fleet of
 * strangers, as a real catalog mostly is, and never quarantine a server that did not drift.
 */
import { mulberry32 } from '../../support/prng.js';

/** One tool as the corpus keeps it (a ToolInfo: name, description, schemas, annotations …). */
export interface PoolTool {
  name: string;
  description?: string;
  [key: string]: unknown;
}

/** What a fleet server answers: its serverInfo name and its tools/list. */
export interface ServedList {
  name: string;
  tools: PoolTool[];
}

/** Tools per server unless the pool is smaller. */
export const TOOLS_PER_SERVER = 50;
/** MCP clients commonly refuse tool names over 64 characters. */
const MAX_TOOL_NAME = 64;

/** The server id of fleet index `i`: http servers first, then stdio (see config.ts). */
export function serverId(i: number): string {
  return `f${String(i).padStart(5, '0')}`;
}

/** The index of a fleet server id, or -1. */
export function indexOf(id: string): number {
  const m = /^f(\d{5})$/.exec(id);
  return m ? Number(m[1]) : -1;
}

/** `count` distinct pool indices for server `index` (a partial Fisher–Yates shuffle). */
function pick(poolSize: number, index: number, count: number): number[] {
  const rnd = mulberry32(Math.imul(index + 1, 0x9e3779b1) ^ 0x5bd1e995);
  const order = Array.from({ length: poolSize }, (_, i) => i);
  const n = Math.min(count, poolSize);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rnd() * (poolSize - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, n);
}

/** The benign tools/list of server `index`. */
export function serverTools(pool: readonly PoolTool[], index: number, count = TOOLS_PER_SERVER): ServedList {
  const prefix = `s${index.toString(36)}_`;
  const seen = new Set<string>();
  const tools: PoolTool[] = [];
  for (const p of pick(pool.length, index, count)) {
    const tool = pool[p]!;
    let name = `${prefix}${tool.name}`.slice(0, MAX_TOOL_NAME);
    // Two corpus servers may share a tool name: keep each name unique within the server.
    for (let k = 2; seen.has(name); k++) name = `${prefix}${tool.name}`.slice(0, MAX_TOOL_NAME - 3) + `_${k}`;
    seen.add(name);
    tools.push({ ...tool, name });
  }
  return { name: `fleet-${serverId(index)}`, tools };
}

/** The rug pull: the first tool's description now carries `poison` (a hidden instruction). */
export function driftedTools(list: ServedList, poison: string): ServedList {
  const [first, ...rest] = list.tools;
  if (!first) return list;
  return { ...list, tools: [{ ...first, description: `${first.description ?? ''}\n${poison}` }, ...rest] };
}
