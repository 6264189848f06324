import { z } from 'zod';
import type { ApiOperations, Operation } from '../../src/index.js';

const Reason = z.object({ reason: z.string().min(1) }).strict();

/** Every injectable operation, each recording that it ran and for whom. */
export function fakeOperations(): { operations: Required<ApiOperations>; ran: string[] } {
  const ran: string[] = [];
  const op = (name: string, body?: z.ZodType): Operation<any> => ({
    ...(body ? { body } : {}),
    response: z.object({ op: z.string(), actor: z.string() }),
    async run({ principal }) {
      ran.push(name);
      return { op: name, actor: principal.actor };
    },
  });
  return {
    ran,
    operations: {
      addServer: op('addServer', Reason),
      updateServer: op('updateServer', Reason),
      removeServer: op('removeServer'),
      rejectServer: op('rejectServer', Reason),
      approveTool: op('approveTool', Reason),
      rejectTool: op('rejectTool', Reason),
      listKeys: op('listKeys'),
      createKey: op('createKey', Reason),
      revokeKey: op('revokeKey'),
      listActions: op('listActions'),
      listIncidents: op('listIncidents'),
      getIncident: op('getIncident'),
      ackIncident: op('ackIncident'),
      resolveIncident: op('resolveIncident', Reason),
      listSilences: op('listSilences'),
      createSilence: op('createSilence', Reason),
      deleteSilence: op('deleteSilence'),
      allowlist: {
        async run() {
          ran.push('allowlist');
          return { etag: '"v1"', body: { servers: [] } };
        },
      },
      async serveEventStream(_req, res) {
        ran.push('serveEventStream');
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(': hello\n\n');
      },
    },
  };
}
