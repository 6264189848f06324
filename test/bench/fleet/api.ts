/** The two reads the benchmark makes of Driftwatch's API (anonymous reads are on in its config). */
import { httpGet } from './children.js';

export interface ApiServer {
  id: string;
  baselineFingerprint: string | null;
  quarantine: { at: string; reason?: string } | null;
}

/** GET /v1/servers: every server with its state (10 000 of them are a few MB: read sparingly). */
export async function listServers(port: number): Promise<ApiServer[]> {
  const res = await httpGet(port, '/v1/servers', 120_000);
  if (res.status !== 200) throw new Error(`GET /v1/servers answered ${res.status}: ${res.body.slice(0, 200)}`);
  return (JSON.parse(res.body) as { servers: ApiServer[] }).servers;
}

/** GET /v1/servers/{id}. */
export async function getServer(port: number, id: string): Promise<ApiServer> {
  const res = await httpGet(port, `/v1/servers/${encodeURIComponent(id)}`, 60_000);
  if (res.status !== 200) throw new Error(`GET /v1/servers/${id} answered ${res.status}: ${res.body.slice(0, 200)}`);
  return JSON.parse(res.body) as ApiServer;
}
