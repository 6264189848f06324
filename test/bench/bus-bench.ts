/**
 * Kafka bus consumption throughput: how many messages per second one subscription of the Kafka
 * adapter handles, with the handler waiting `--work-ms` per message (the differ waits on its
 * analysis threads; 0 measures the adapter's own cost: fetch, decode, commit). Starts a throwaway
 * broker of its own (test/infra/kafka/kafka.sh), publishes `--messages` JSON messages of about
 * 1 KB over `--keys` keys to a fresh 6-partition topic, then times one subscription draining it.
 *
 *   node --import tsx test/bench/bus-bench.ts [--messages 20000] [--keys 1000] [--work-ms 0,2] [--brokers HOST:PORT]
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createKafkaBus } from '../../packages/bus/src/index.js';
import { installCleanup, Scope } from './fleet/children.js';
import { startKafka } from './fleet/infra.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    keys: { type: 'string', default: '1000' },
    'work-ms': { type: 'string', default: '0,2' },
    brokers: { type: 'string' },
  },
});
const count = Number(values.messages);
const keys = Number(values.keys);
const works = values['work-ms'].split(',').map(Number);
if (!(count > 0) || !(keys > 0) || works.some((w) => !(w >= 0))) throw new Error('--messages and --keys must be > 0, --work-ms a list of numbers ≥ 0');

const logger = pino({ level: 'warn' });
const scope = new Scope('bus-bench');
installCleanup((line) => process.stderr.write(`bus-bench: ${line}\n`));
try {
  const brokers = values.brokers ?? (await startKafka(scope)).brokers;
  const bus = createKafkaBus({ brokers: [brokers], clientId: 'bus-bench', logger, sessionTimeoutMs: 10_000 });
  const pad = 'x'.repeat(1000);
  console.log(`| handler wait ms | messages | keys | handled/s | wall s | CPU s (this process) |`);
  console.log(`| --- | --- | --- | --- | --- | --- |`);
  for (const workMs of works) {
    const topic = `bench-${process.pid}-${workMs}-${Date.now()}`;
    await bus.ensureTopics([topic]);
    const sends: Array<Promise<void>> = [];
    for (let i = 0; i < count; i++) {
      sends.push(bus.publish(topic, `k${i % keys}`, { i, pad }));
      if (sends.length >= 500) await Promise.all(sends.splice(0));
    }
    await Promise.all(sends);
    let handled = 0;
    let finished!: () => void;
    const all = new Promise<void>((r) => (finished = r));
    const cpu = process.cpuUsage();
    const started = performance.now();
    const sub = await bus.subscribe({
      groupId: `${topic}-group`,
      topic,
      decode: (v) => v,
      handler: async () => {
        if (workMs > 0) await new Promise((r) => setTimeout(r, workMs));
        if (++handled === count) finished();
      },
    });
    await all;
    const wall = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    await sub.close();
    console.log(`| ${workMs} | ${count} | ${keys} | ${Math.round(count / wall).toLocaleString('en-US')} | ${wall.toFixed(1)} | ${((used.user + used.system) / 1e6).toFixed(1)} |`);
  }
  await bus.close();
} finally {
  await scope.close();
}
