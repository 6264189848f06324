// The drifting fleet: real MCP servers (SDK, Streamable HTTP, loopback) whose tool list the test
// changes while Driftwatch polls them. One process (the test's) hosts all of them, so killing a
// Driftwatch service never takes a server down with it.
import { startMutableHttpServer } from '../fixtures/servers/mutable-http.js';
import type { RunningServer } from '../fixtures/servers/http-util.js';
import type { FixtureState } from '../fixtures/servers/state.js';
import { BENIGN_TOOLS } from '../e2e/helpers.js';
import { rugPulled } from '../e2e/incident-support.js';

export interface FleetServer {
  id: string;
  url: string;
  /** When the test swapped its tools for the rug pull (ms since epoch); undefined while benign. */
  rugPulledAt?: number;
}

export class Fleet {
  readonly servers: FleetServer[] = [];
  private readonly states = new Map<string, FixtureState>();
  private readonly running: RunningServer[] = [];

  async start(size: number, prefix: string): Promise<void> {
    for (let i = 0; i < size; i++) {
      const id = `${prefix}${String(i).padStart(2, '0')}`;
      // Each server has a name of its own, so no two share a fingerprint.
      this.states.set(id, { serverInfo: { name: id, version: '1.0.0' }, tools: BENIGN_TOOLS as unknown as FixtureState['tools'] });
      const server = await startMutableHttpServer({ getState: () => this.states.get(id)! });
      this.running.push(server);
      this.servers.push({ id, url: server.url });
    }
  }

  /** The reviewed tool now hides an instruction and gained a parameter: several alerts, one change. */
  rugPull(id: string): void {
    const server = this.servers.find((s) => s.id === id);
    if (!server) throw new Error(`no fleet server ${id}`);
    this.states.set(id, { ...(rugPulled() as unknown as FixtureState), serverInfo: { name: id, version: '1.0.0' } });
    server.rugPulledAt = Date.now();
  }

  async close(): Promise<void> {
    await Promise.all(this.running.map((s) => s.close()));
  }
}
