// The integration harness (test/infra/global-setup.ts) must hand its services to test workers.
import { createConnection } from 'node:net';
import kafkajs from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { kafkaBrokers, redisUrl, uniqueName } from '../../../test/infra/env.js';

function redisPing(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port) }, () => socket.write('PING\r\n'));
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.once('data', (data) => {
      resolve(data.toString('utf8').trim());
      socket.end();
    });
    socket.once('error', reject);
  });
}

describe('integration harness', () => {
  it('passes KAFKA_BROKERS and REDIS_URL to workers, both as env and through inject()', () => {
    expect(process.env.KAFKA_BROKERS).toBe(inject('kafkaBrokers'));
    expect(process.env.REDIS_URL).toBe(inject('redisUrl'));
    expect(kafkaBrokers().length).toBeGreaterThan(0);
    expect(redisUrl()).toMatch(/^redis:\/\//);
  });

  it('gives a Redis that answers', async () => {
    expect(await redisPing(redisUrl())).toBe('+PONG');
  });

  it('gives a Kafka broker that creates topics and carries messages', async () => {
    const kafka = new kafkajs.Kafka({ brokers: kafkaBrokers(), logLevel: kafkajs.logLevel.NOTHING });
    const topic = uniqueName('harness');
    const admin = kafka.admin();
    await admin.connect();
    // Not kafkajs's own leader wait: it gives up when the broker briefly answers "does not host
    // this topic-partition" for a topic just created (seen with Kafka 4.x); the producer's
    // retries wait for the leader instead.
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: false });
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    const [result] = await producer.send({ topic, messages: [{ key: 'k', value: 'v' }] });
    await producer.disconnect();
    expect(result?.errorCode).toBe(0);
  });

  it('makes names that do not collide and are valid topic names', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueName('a b/c')));
    expect(names.size).toBe(100);
    for (const n of names) expect(n).toMatch(/^[A-Za-z0-9._-]{1,249}$/);
  });
});
