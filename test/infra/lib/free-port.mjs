// Prints N free TCP ports on 127.0.0.1 (default 1), one per line. The ports are held until all
// are chosen so that one call never returns the same port twice.
import { createServer } from 'node:net';

const count = Number(process.argv[2] ?? '1');
const servers = [];
for (let i = 0; i < count; i++) {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  servers.push(server);
}
for (const server of servers) process.stdout.write(`${server.address().port}\n`);
await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
