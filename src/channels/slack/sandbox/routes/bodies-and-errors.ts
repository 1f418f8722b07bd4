/**
 * The sandbox plugin's own body parsing and error answers, so the host app's JSON parser and
 * error handler are untouched.
 */
import type { FastifyInstance } from 'fastify';
import { redactUrl } from '../../../../log.ts';
import { ControlError, type SlackSandbox } from '../sandbox.ts';
import { SlackApiError } from '../workspace.ts';

export function parseBodiesAndAnswerErrors(app: FastifyInstance, sb: SlackSandbox): void {
  const bodyLimit = Math.ceil(sb.maxFileBytes * 1.4) + 1024 * 1024;

  // Everything arrives as a Buffer and is parsed per route: the Web API takes form,
  // multipart and JSON bodies, and the upload URL takes raw bytes of any type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) =>
    done(null, body),
  );

  app.setErrorHandler(
    (err: { statusCode?: number; code?: string; message?: string }, req, reply) => {
      if (err instanceof ControlError) {
        return reply.status(err.status).send({ ok: false, error: err.error, message: err.message });
      }
      if (err instanceof SlackApiError) {
        return reply.status(400).send({ ok: false, error: err.error, ...err.extra });
      }
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply.status(413).send({ ok: false, error: 'request_too_large' });
      }
      if (err.statusCode && err.statusCode < 500) {
        return reply.status(err.statusCode).send({ ok: false, error: 'invalid_request' });
      }
      sb.logger.error({ err, url: redactUrl(req.url) }, 'Slack sandbox request failed');
      return reply.status(500).send({ ok: false, error: 'internal_error' });
    },
  );
  app.setNotFoundHandler((_req, reply) =>
    reply.status(404).send({ ok: false, error: 'not_found' }),
  );
}
