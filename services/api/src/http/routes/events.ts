import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ErrorBody } from '../errors.js';
import type { ServeEventStream } from '../operations.js';
import { principalOf } from '../principal.js';
import type { CountRequest } from '../request-metrics.js';

// Loose: the other headers of the request pass through untouched.
const EventHeaders = z.looseObject({ 'last-event-id': z.string().max(256).optional().describe('Resume after this event') });

/**
 * GET /v1/events (SSE). Fastify steps aside (hijack) and the injected stream writes the response
 * itself for as long as the client stays. The runtime's requestTimeout does not cut it: Node
 * applies that deadline to receiving the request, which is complete once the GET's headers are in
 * (tested in events.test.ts). `streams` lets the API end every stream when it shuts down.
 */
export function registerEventRoute(app: FastifyInstance, serve: ServeEventStream, streams: Set<AbortController>, logger: Logger, count: CountRequest): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/events',
    {
      schema: {
        summary: 'Live events (Server-Sent Events): alerts, incidents, actions, status changes',
        headers: EventHeaders,
        response: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } }, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const lastEventId = request.headers['last-event-id'];
      reply.hijack();
      const res = reply.raw;
      const controller = new AbortController();
      const onClose = (): void => controller.abort();
      streams.add(controller);
      // The response's close, not the request's: a GET's request is over as soon as it arrives.
      res.once('close', onClose);
      try {
        await serve(request.raw, res, { ...(lastEventId !== undefined ? { lastEventId } : {}), principal, signal: controller.signal });
      } catch (err) {
        logger.error({ err }, 'event stream failed');
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
          res.end(JSON.stringify({ error: { code: 'internal', message: 'internal error' } }));
        } else res.destroy();
      } finally {
        res.off('close', onClose);
        streams.delete(controller);
        if (!res.writableEnded && !res.destroyed) res.end();
        // The client left: no 'finish' will come, so Fastify's onResponse will not count it.
        else if (res.destroyed && !res.writableFinished) count(request, res.statusCode);
      }
    },
  );
}
