/**
 * Reading the sandbox's requests and writing its plain answers: bodies arrive as raw buffers
 * (see bodies-and-errors.ts) and each surface parses them the way Slack does.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { anyQuery } from '../../../../http/shared/query.ts';
import { jsonTextTooDeep } from '../../../../json-depth.ts';
import { MultipartError, boundaryOf, parseMultipart } from '../multipart.ts';
import { ControlError } from '../sandbox.ts';
import type { ArgValue } from '../webapi.ts';
import { SlackApiError, type StoredFile } from '../workspace.ts';

const SAFE_INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function bodyBuffer(req: FastifyRequest): Buffer | null {
  return Buffer.isBuffer(req.body) && req.body.length ? req.body : null;
}

export function queryRecord(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(anyQuery.parse(req.query ?? {}))) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && typeof v.at(-1) === 'string') out[k] = v.at(-1) as string;
  }
  return out;
}

/** Web API arguments: query string plus a form, multipart or JSON body. */
export function webApiArgs(req: FastifyRequest): Record<string, ArgValue> {
  const out: Record<string, ArgValue> = { ...queryRecord(req) };
  const body = bodyBuffer(req);
  if (!body) return out;
  const ct = String(req.headers['content-type'] ?? '').toLowerCase();
  if (ct.startsWith('application/json')) {
    const text = body.toString('utf8');
    // Too deep to store or forward safely (see json-depth.ts): refused like bad JSON.
    if (jsonTextTooDeep(text)) throw new SlackApiError('invalid_json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SlackApiError('invalid_json');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SlackApiError('json_not_object');
    }
    return { ...out, ...(parsed as Record<string, ArgValue>) };
  }
  const boundary = boundaryOf(req.headers['content-type']);
  if (boundary) {
    try {
      for (const part of parseMultipart(body, boundary)) {
        out[part.name] = part.filename !== undefined ? part.data : part.data.toString('utf8');
      }
    } catch (err) {
      if (err instanceof MultipartError) throw new SlackApiError('invalid_form_data');
      throw err;
    }
    return out;
  }
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) out[k] = v;
  return out;
}

export function credentials(req: FastifyRequest): {
  bearer: string | null;
  basic: { id: string; secret: string } | null;
} {
  const h = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(h);
  if (bearer) return { bearer: bearer[1]!, basic: null }; // (\S+) takes part in every match
  const basic = /^Basic\s+(\S+)$/i.exec(h);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      return {
        bearer: null,
        basic: { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) },
      };
    }
  }
  return { bearer: null, basic: null };
}

export function jsonBody(req: FastifyRequest): unknown {
  const body = bodyBuffer(req);
  if (!body) return {};
  const ct = String(req.headers['content-type'] ?? '').toLowerCase();
  if (ct.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  }
  const text = body.toString('utf8');
  if (jsonTextTooDeep(text)) {
    throw new ControlError(400, 'invalid_json', 'The body nests deeper than is accepted');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ControlError(400, 'invalid_json', 'The body is not valid JSON');
  }
}

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const res = schema.safeParse(value);
  if (!res.success) {
    throw new ControlError(
      400,
      'invalid_arguments',
      res.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  }
  return res.data;
}

export function sendFile(reply: FastifyReply, file: StoredFile, bytes: Buffer, download: boolean) {
  const inline = !download && SAFE_INLINE.has(file.mimetype);
  const encoded = encodeURIComponent(file.name);
  // Uploaded bytes are served from the host's origin: never let them run as a page there.
  return reply
    .header('content-type', file.mimetype)
    .header('content-length', bytes.length)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header(
      'content-disposition',
      `${inline ? 'inline' : 'attachment'}; filename="${file.name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encoded}`,
    )
    .send(bytes);
}

export function html(reply: FastifyReply, body: string, status = 200) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .send(body);
}
