// Waits until a Kafka broker answers a metadata request and lists itself as a live broker
// (topic creation fails before the broker has registered with the KRaft controller).
// Usage: node kafka-ready.mjs BROKERS PID TIMEOUT_MS   — exits 0 when ready, 1 otherwise.
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const [brokers = '', pidArg = '0', timeoutArg = '60000'] = process.argv.slice(2);
const pid = Number(pidArg);
const deadline = Date.now() + Number(timeoutArg);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function alive() {
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let lastError = 'never answered';
while (Date.now() < deadline) {
  if (!alive()) {
    process.stderr.write(`kafka-ready: broker process ${pid} exited\n`);
    process.exit(1);
  }
  const kafka = new Kafka({
    clientId: 'driftwatch-kafka-ready',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller >= 0) {
      await admin.disconnect();
      process.exit(0);
    }
    lastError = 'no live broker registered yet';
  } catch (error) {
    lastError = error instanceof Error ? error.message : String(error);
  }
  await admin.disconnect().catch(() => {});
  await sleep(250);
}
process.stderr.write(`kafka-ready: ${brokers} not ready: ${lastError}\n`);
process.exit(1);
