import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isDatabaseUnavailable, isWriteConflict } from '../../db/transaction.ts';
import {
  ConflictError,
  type ErrorDetails,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  ValidationError,
} from '../../desk/errors.ts';
import { MAX_JSON_DEPTH } from '../../json-depth.ts';

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

/** The envelope key (ticket, user…) says nothing; name the field inside it. */
function fieldName(path: readonly PropertyKey[]): string {
  const inner = path.length > 1 ? path.slice(1) : path;
  return inner.map(String).join('.') || 'base';
}

export function detailsFromZod(err: z.ZodError): ErrorDetails {
  const details: ErrorDetails = {};
  for (const issue of err.issues) {
    const field = fieldName(issue.path);
    (details[field] ??= []).push({
      description: `${field}: ${issue.message}`,
      error:
        issue.code === 'invalid_type' && issue.input === undefined ? 'BlankValue' : 'InvalidValue',
    });
  }
  return details;
}

interface Visit {
  value: unknown;
  key: string | number | null;
  parent: Visit | null;
}

/**
 * Where the first NUL character sits in a parsed body (in a string or a key), or null.
 * PostgreSQL text cannot hold NUL while SQLite can, so both refuse it here, alike. The walk is
 * iterative and keeps parent links, not paths: bodies may nest deeper than the call stack.
 */
function nulPath(root: unknown): (string | number)[] | null {
  const stack: Visit[] = [{ value: root, key: null, parent: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    let hit: Visit | null = null;
    if (typeof node.value === 'string') {
      if (node.value.includes('\u0000')) hit = node;
    } else if (node.value && typeof node.value === 'object' && !ArrayBuffer.isView(node.value)) {
      const isArray = Array.isArray(node.value);
      for (const [k, child] of Object.entries(node.value)) {
        const visit = { value: child, key: isArray ? Number(k) : k, parent: node };
        if (k.includes('\u0000')) {
          hit = visit;
          break;
        }
        stack.push(visit);
      }
    }
    if (hit) {
      const path: (string | number)[] = [];
      for (let v: Visit | null = hit; v && v.key !== null; v = v.parent) path.unshift(v.key);
      return path;
    }
  }
  return null;
}

/** A body nested deeper than MAX_JSON_DEPTH: well-formed JSON, but no record Parley accepts. */
export function tooDeepError(): ValidationError {
  return ValidationError.field(
    'base',
    `base: JSON must not nest deeper than ${MAX_JSON_DEPTH} levels`,
  );
}

/**
 * Parses a body or query with zod; a mismatch is Zendesk's 422 RecordInvalid unless `invalid`
 * makes another error of it (a querystring's is a 400: see query.ts).
 */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  invalid?: (err: z.ZodError) => Error,
): z.infer<T> {
  const nul = nulPath(value);
  if (nul) {
    const field = fieldName(nul);
    throw ValidationError.field(field, `${field}: must not contain NUL characters`);
  }
  const res = schema.safeParse(value);
  if (!res.success)
    throw invalid ? invalid(res.error) : new ValidationError(detailsFromZod(res.error));
  return res.data;
}

interface Envelope {
  status: number;
  body: Record<string, unknown>;
  /** Seconds the client should wait before trying again (the Retry-After header). */
  retryAfter?: number;
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
  if (err instanceof TooManyRequestsError) {
    // Zendesk's rate limit answer: 429 with Retry-After, which its clients wait out.
    return {
      status: 429,
      body: { error: 'TooManyRequests', description: err.message },
      retryAfter: err.retryAfterSeconds,
    };
  }
  if (err instanceof ConflictError) {
    return { status: 409, body: { error: err.code, description: err.message } };
  }
  if (isWriteConflict(err)) {
    // What is left of a concurrent write after transaction() ran it again: the client may
    // simply repeat the request, as after Zendesk's 409.
    return {
      status: 409,
      body: {
        error: 'Conflict',
        description: 'Another request changed the same records at the same time; try again',
      },
    };
  }
  if (isDatabaseUnavailable(err)) {
    return {
      status: 503,
      body: {
        error: 'ServiceUnavailable',
        description: 'The database is not available right now; try again shortly',
      },
    };
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
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // A path segment longer than any id or token names no record.
      return { status: 404, body: { error: 'RecordNotFound', description: 'Not found' } };
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
  const { status, body, retryAfter } = envelope(err);
  // The database's trouble is logged in full, as any failure of ours; the client retries.
  if (status === 503) void reply.header('retry-after', '5');
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  if (status >= 500) req.log.error({ err }, 'request failed');
  // Kept visible: on SQLite such a conflict means a check Parley lacks.
  else if (isWriteConflict(err)) req.log.warn({ err }, 'request lost to a concurrent write');
  else req.log.info({ status, error: body.error }, 'request refused');
  void reply.status(status).type('application/json; charset=utf-8').send(body);
}
