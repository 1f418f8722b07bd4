import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  ConflictError,
  type ErrorDetails,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../desk/errors.ts';

/** Thrown by handlers for request-level problems that are not domain errors. */
export class HttpError extends Error {
  constructor(
    public readonly statusCode: number,
    public readonly error: string,
    public readonly description: string,
  ) {
    super(description);
  }
}

export class UnauthorizedError extends HttpError {
  constructor() {
    super(401, "Couldn't authenticate you", "Couldn't authenticate you");
  }
}

export function detailsFromZod(err: z.ZodError): ErrorDetails {
  const details: ErrorDetails = {};
  for (const issue of err.issues) {
    // The envelope key (ticket, user…) says nothing; name the field inside it.
    const path = issue.path.length > 1 ? issue.path.slice(1) : issue.path;
    const field = path.map(String).join('.') || 'base';
    (details[field] ??= []).push({
      description: `${field}: ${issue.message}`,
      error:
        issue.code === 'invalid_type' && issue.input === undefined ? 'BlankValue' : 'InvalidValue',
    });
  }
  return details;
}

/** Parses a body or query with zod; a mismatch is Zendesk's 422 RecordInvalid. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const res = schema.safeParse(value);
  if (!res.success) throw new ValidationError(detailsFromZod(res.error));
  return res.data;
}

interface Envelope {
  status: number;
  body: Record<string, unknown>;
}

function envelope(err: unknown): Envelope {
  if (err instanceof HttpError) {
    if (err.statusCode === 401) return { status: 401, body: { error: err.error } };
    return { status: err.statusCode, body: { error: err.error, description: err.description } };
  }
  if (err instanceof NotFoundError) {
    return { status: 404, body: { error: 'RecordNotFound', description: 'Not found' } };
  }
  if (err instanceof ValidationError) {
    return {
      status: 422,
      body: {
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: err.details,
      },
    };
  }
  if (err instanceof ForbiddenError) {
    return { status: 403, body: { error: 'Forbidden', description: err.message } };
  }
  if (err instanceof ConflictError) {
    return { status: 409, body: { error: 'Conflict', description: err.message } };
  }
  const fe = err as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        body: { error: 'InvalidJSON', description: `Malformed JSON: ${fe.message}` },
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { error: 'PayloadTooLarge', description: fe.message } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { error: 'UnsupportedMediaType', description: fe.message } };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: { error: 'BadRequest', description: fe.message } };
    default:
      break;
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { error: 'BadRequest', description: fe.message } };
  }
  return {
    status: 500,
    body: { error: 'InternalError', description: 'Something went wrong on our side' },
  };
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = envelope(err);
  if (status >= 500) req.log.error({ err }, 'request failed');
  else req.log.info({ status, error: body.error }, 'request refused');
  void reply.status(status).type('application/json; charset=utf-8').send(body);
}
