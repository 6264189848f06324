import type { FastifyBodyParser, FastifyInstance } from 'fastify';
import { isWithinDepth, LIMITS } from '@driftwatch/core';
import { HttpError } from '@driftwatch/runtime';

/**
 * JSON is the only body the API reads: Fastify's text/plain parser goes, so any other content
 * type is a 415 (and an HTML form cannot post to a mutation). Bodies are bounded in size
 * (LIMITS.maxApiBodyBytes, Fastify's bodyLimit) and in nesting (LIMITS.maxJsonDepth), and
 * `__proto__` / `constructor.prototype` keys are refused, not silently kept.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  const parser: FastifyBodyParser<string> = (request, body, done) => {
    if (body.trim() === '') return done(new HttpError(400, 'bad_request', 'request body is empty'), undefined);
    parse(request, body, (err, value) => {
      // Fastify's message can echo the body; keep it out of the response.
      if (err) return done(new HttpError(400, 'bad_request', 'request body is not valid JSON'), undefined);
      if (!isWithinDepth(value)) {
        return done(new HttpError(400, 'bad_request', `request body is nested deeper than ${LIMITS.maxJsonDepth} levels`), undefined);
      }
      done(null, value);
    });
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: LIMITS.maxApiBodyBytes }, parser);
  app.addContentTypeParser(/^application\/[a-z0-9.+-]+\+json$/, { parseAs: 'string', bodyLimit: LIMITS.maxApiBodyBytes }, parser);
}
