/**
 * A stand-in for driftwatch that tests kill -9: probes the stdio server whose config (JSON) is in
 * PROBE_CONFIG with a 60 s budget and prints the result, if it lives that long.
 */
import { ServerConfig } from '@driftwatch/core';
import { probeServer } from '../src/index.js';

const server = ServerConfig.parse(JSON.parse(process.env.PROBE_CONFIG ?? '{}'));
const result = await probeServer(server, { timeoutMs: 60_000 });
process.stdout.write(`${JSON.stringify({ ok: result.ok })}\n`);
