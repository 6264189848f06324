/**
 * The driver's side of the fleet: the fixture HTTP host (one child process) and the egress
 * listener the network-egress fixture tries to reach. Both on 127.0.0.1 only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { HostPorts } from './behaviours.js';

export interface HttpHost {
  ports: HostPorts;
  pid: number;
  stop(): Promise<void>;
}

/** Starts test/fixtures/hostile/http.mjs and waits for the ports it prints. */
export function startHttpHost(fixtureDir: string, swapDir: string, startTimeoutMs = 15_000): Promise<HttpHost> {
  // No run marker in its env: the host is the driver's, not a probed server's, process.
  const child: ChildProcess = spawn(process.execPath, [join(fixtureDir, 'http.mjs')], {
    env: { ...process.env, SWAP_DIR: swapDir },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin!.end();
      const forced = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(forced);
    }
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error('the fixture HTTP host did not print its ports'));
    }, startTimeoutMs);
    const early = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`the fixture HTTP host exited with ${code} before listening`));
    };
    child.once('exit', early);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.removeListener('exit', early);
      child.stdout!.resume();
      resolve({ ports: JSON.parse(out.slice(0, nl)) as HostPorts, pid: child.pid!, stop });
    });
  });
}

export interface EgressRecord {
  /** "<behaviour> <pid>" as the fixture wrote it ("" if it sent nothing). */
  hello: string;
  at: number;
}

export interface EgressListener {
  port: number;
  arrivals: EgressRecord[];
  close(): Promise<void>;
}

/** A 127.0.0.1 listener that records every connection: with a working sandbox, none arrives. */
export function startEgressListener(): Promise<EgressListener> {
  const arrivals: EgressRecord[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const record: EgressRecord = { hello: '', at: Date.now() };
    arrivals.push(record);
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (d: Buffer) => {
      if (record.hello.length < 200) record.hello = (record.hello + d.toString('utf8')).trim().slice(0, 200);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        port,
        arrivals,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
