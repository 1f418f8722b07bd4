import path from 'node:path';
import {
  type WebClient,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import type { SlackFile } from './classify.ts';

/**
 * Files people send in the DM: fetched with the connection's token from Slack's file hosts
 * only, and accepted only when both the extension and the content say the type is allowed.
 */

const isZip = (b: Buffer) => b.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));

const SIGNATURES: Record<string, (b: Buffer) => boolean> = {
  pdf: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  png: (b) =>
    b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  jpeg: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  gif: (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')),
  zip: isZip,
  webp: (b) =>
    b.subarray(0, 4).toString('latin1') === 'RIFF' &&
    b.subarray(8, 12).toString('latin1') === 'WEBP',
  mp4: (b) => b.subarray(4, 8).toString('latin1') === 'ftyp',
  mov: (b) => b.subarray(4, 8).toString('latin1') === 'ftyp',
};
// Office files are zip containers.
for (const ext of ['docx', 'xlsx', 'pptx', 'odt', 'ods']) SIGNATURES[ext] = isZip;

const TEXT_TYPES = new Set(['txt', 'csv', 'log', 'md', 'json', 'xml', 'yaml', 'yml', 'tsv']);

const CONTENT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  zip: 'application/zip',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  webp: 'image/webp',
  mp4: 'video/mp4',
};

function looksLikeText(b: Buffer): boolean {
  if (b.includes(0)) return false;
  const text = b.toString('utf8');
  // Invalid UTF-8 turns into U+FFFD; a few are tolerated (legacy encodings), many mean binary.
  const bad = (text.match(/\uFFFD/g) ?? []).length;
  let control = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!; // i < b.length
    // Tab, newline, vertical tab, form feed and carriage return are text; other C0 codes are not.
    if (c < 0x20 && (c < 0x09 || c > 0x0d)) control++;
  }
  return bad <= Math.max(2, text.length / 1000) && control === 0;
}

function looksExecutable(b: Buffer): boolean {
  const head = b.subarray(0, 4);
  return (
    head.subarray(0, 2).toString('latin1') === 'MZ' ||
    head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])) ||
    head.subarray(0, 2).toString('latin1') === '#!'
  );
}

export function fileType(name: string): string {
  const ext = path.extname(name).slice(1).toLowerCase();
  return ext === 'jpg' ? 'jpeg' : ext;
}

export type FileCheck =
  { ok: true; type: string; contentType: string } | { ok: false; reason: string };

/** Allowed when the extension is in the allowlist and the bytes agree with it. */
export function checkFile(name: string, data: Buffer, allowed: string[]): FileCheck {
  const type = fileType(name);
  if (!type || !allowed.includes(type)) {
    return {
      ok: false,
      reason: type
        ? `.${type} files are not accepted`
        : 'files without an extension are not accepted',
    };
  }
  const sig = SIGNATURES[type];
  if (sig && !sig(data))
    return { ok: false, reason: `the content is not a ${type.toUpperCase()} file` };
  if (TEXT_TYPES.has(type) && !looksLikeText(data))
    return { ok: false, reason: 'the content is not text' };
  if (!sig && !TEXT_TYPES.has(type) && looksExecutable(data))
    return { ok: false, reason: 'the content is a program' };
  return { ok: true, type, contentType: CONTENT_TYPES[type] ?? 'application/octet-stream' };
}

/**
 * Why a file Slack announced could not be fetched. Only `unavailable` (Slack or the network
 * failing for now) can change by waiting; the others are final, and the message is applied
 * without the file at once rather than held back behind retries.
 */
export type FileProblem =
  /** Gone in Slack (404/410, file_not_found, file_deleted): the person can send it again. */
  | 'deleted'
  /** Over the upload limit: the person can send a smaller file. */
  | 'too_large'
  /** A host outside PARLEY_SLACK_FILE_HOSTS: Parley does not fetch from it. */
  | 'forbidden_host'
  /** Slack will not hand it to this token (sign-in page, 401/403, not_visible, a scope). */
  | 'refused'
  /** Timeouts, network errors, rate limits, 5xx: worth retrying for a while. */
  | 'unavailable';

export class FileFetchError extends Error {
  constructor(
    readonly problem: FileProblem,
    message: string,
  ) {
    super(message);
  }

  get transient(): boolean {
    return this.problem === 'unavailable';
  }
}

/** Slack's own errors that say "try again later" rather than "no". */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string } } | null;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  return e?.cause?.code ?? e?.message ?? String(err);
}

/** Resolves Slack Connect stubs (`file_access: check_file_info`) with files.info. */
export async function resolveFile(client: WebClient, file: SlackFile): Promise<SlackFile> {
  if (file.url_private_download || file.url_private) return file;
  let res;
  try {
    res = await client.files.info({ file: file.id });
  } catch (err) {
    throw fileInfoError(err);
  }
  if (!res.file) throw new FileFetchError('refused', 'files.info returned no file');
  return res.file as SlackFile;
}

/**
 * `allowed` holds `host[:port]` (any path on that host) and `host[:port]/path/` (only under
 * that path) entries. The URL is already parsed, so dot segments (`..`, `%2e%2e`) are resolved
 * before the path is compared; an encoded slash stays inside its segment for the router too.
 */
export function fileUrlAllowed(url: URL, allowed: string[]): boolean {
  const host = url.host.toLowerCase();
  if (url.username || url.password) return false;
  return allowed.some((entry) => {
    const slash = entry.indexOf('/');
    if (slash < 0) return entry.toLowerCase() === host;
    if (entry.slice(0, slash).toLowerCase() !== host) return false;
    const prefix = entry.slice(slash).replace(/\/*$/, '/');
    return url.pathname.startsWith(prefix);
  });
}

function fileInfoError(err: unknown): unknown {
  if (err instanceof WebAPIPlatformError) {
    const code = err.data.error;
    if (code === 'file_not_found' || code === 'file_deleted')
      return new FileFetchError('deleted', `files.info: ${code}`);
    return new FileFetchError(
      TRANSIENT_PLATFORM_ERRORS.has(code) ? 'unavailable' : 'refused',
      `files.info: ${code}`,
    );
  }
  if (err instanceof WebAPIRateLimitedError)
    return new FileFetchError('unavailable', 'files.info: rate limited');
  if (err instanceof WebAPIHTTPError)
    return new FileFetchError('unavailable', `files.info: HTTP ${err.statusCode}`);
  if (err instanceof WebAPIRequestError)
    return new FileFetchError('unavailable', `files.info: ${describe(err.original)}`);
  return err;
}

/** HTTP statuses of a download that say "later" rather than "no". */
function transientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * Downloads a file with the bot/user token, following redirects only within the allowed hosts.
 * Every failure is a FileFetchError that says whether waiting could help.
 */
export async function downloadFile(
  url: string,
  token: string,
  opts: { allowedHosts: string[]; maxBytes: number; timeoutMs?: number },
): Promise<Buffer> {
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
  const tooLarge = () =>
    new FileFetchError('too_large', `the file is larger than ${opts.maxBytes} bytes`);
  let current = url;
  for (let hop = 0; hop < 4; hop++) {
    let u: URL;
    try {
      u = new URL(current);
    } catch {
      throw new FileFetchError('refused', 'Slack gave no valid download address');
    }
    if (!['https:', 'http:'].includes(u.protocol) || !fileUrlAllowed(u, opts.allowedHosts)) {
      throw new FileFetchError(
        'forbidden_host',
        `file URL ${u.host}${u.pathname} is not on an allowed Slack file host`,
      );
    }
    let res: Response;
    try {
      res = await fetch(u, {
        headers: { authorization: `Bearer ${token}` },
        redirect: 'manual',
        signal,
      });
    } catch (err) {
      throw new FileFetchError('unavailable', `could not reach ${u.host}: ${describe(err)}`);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel();
      current = new URL(res.headers.get('location')!, u).toString();
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      const status = res.status;
      if (status === 404 || status === 410)
        throw new FileFetchError('deleted', `the file is gone from Slack (HTTP ${status})`);
      throw new FileFetchError(
        transientStatus(status) ? 'unavailable' : 'refused',
        `file download failed with HTTP ${status}`,
      );
    }
    // Without a valid token Slack answers with its HTML sign-in page, not an error.
    if ((res.headers.get('content-type') ?? '').includes('text/html')) {
      await res.body?.cancel();
      throw new FileFetchError(
        'refused',
        'Slack answered with a sign-in page: the token cannot read this file',
      );
    }
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > opts.maxBytes) {
      await res.body?.cancel();
      throw tooLarge();
    }
    return readCapped(res, opts.maxBytes, tooLarge);
  }
  throw new FileFetchError('refused', 'too many redirects');
}

/** Reads a body, stopping as soon as it passes `maxBytes` (a missing length can lie). */
async function readCapped(
  res: Response,
  maxBytes: number,
  tooLarge: () => FileFetchError,
): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(Buffer.from(value));
    }
  } catch (err) {
    if (err instanceof FileFetchError) throw err;
    throw new FileFetchError('unavailable', `the download broke off: ${describe(err)}`);
  }
  return Buffer.concat(chunks);
}
