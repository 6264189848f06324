/**
 * The /healthz sampler in a process of its own (started by the driver with `fork`), with a
 * control: a trivial HTTP server in this same process, sampled the same way at the same time.
 * In the driver's process, the driver's own work (scanning /proc, reading large API answers)
 * delayed the responses it was timing; here nothing else runs. The control says what the machine
 * alone costs a request under the same load (scheduling, loopback TCP), so a reader can tell a
 * slow driftwatch from a loaded box. Messages: the port in argv; 'stop' in; the figures out.
 */
import { createServer } from 'node:http';
import { sampleHealthz, type HealthzFigures } from './samplers.js';

export interface HealthzSamples {
  driftwatch: HealthzFigures;
  control: HealthzFigures;
}

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || !process.send) throw new Error('usage: fork healthz-process.ts PORT (with an IPC channel)');

const control = createServer((_req, res) => res.end('ok'));
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const controlPort = (control.address() as { port: number }).port;
const driftwatch = sampleHealthz(port);
const baseline = sampleHealthz(controlPort);
process.on('message', (m) => {
  if (m !== 'stop') return;
  const figures: HealthzSamples = { driftwatch: driftwatch.stop(), control: baseline.stop() };
  control.close();
  process.send!(figures, () => process.exit(0));
});
// The driver gone: nothing to report to.
process.on('disconnect', () => process.exit(0));
process.send({ started: true });
