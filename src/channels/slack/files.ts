import path from 'node:path';
import type { WebClient } from '@slack/web-api';
import type { SlackFile } from './classify.ts';

/**
 * Files people send in the DM: fetched with the connection's token from Slack's file hosts
 * only, and accepted only when both the extension and the content say the type is allowed.
 */

const SIGNATURES: Record<string, (b: Buffer) => boolean> = {
  pdf: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  png: (b) =>
    b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  jpeg: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  gif: (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')),
  zip: (b) => b.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])),
  webp: (b) =>
    b.subarray(0, 4).toString('latin1') === 'RIFF' &&
    b.subarray(8, 12).toString('latin1') === 'WEBP',
  mp4: (b) => b.subarray(4, 8).toString('latin1') === 'ftyp',
  mov: (b) => b.subarray(4, 8).toString('latin1') === 'ftyp',
};
// Office files are zip containers.
for (const ext of ['docx', 'xlsx', 'pptx', 'odt', 'ods']) SIGNATURES[ext] = SIGNATURES.zip;

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
    const c = b[i];
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

export class FileFetchError extends Error {}

/** Resolves Slack Connect stubs (`file_access: check_file_info`) with files.info. */
export async function resolveFile(client: WebClient, file: SlackFile): Promise<SlackFile> {
  if (file.url_private_download || file.url_private) return file;
  const res = await client.files.info({ file: file.id });
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

/** Downloads a file with the bot/user token, following redirects only within the allowed hosts. */
export async function downloadFile(
  url: string,
  token: string,
  opts: { allowedHosts: string[]; maxBytes: number },
): Promise<Buffer> {
  let current = url;
  for (let hop = 0; hop < 4; hop++) {
    const u = new URL(current);
    if (!['https:', 'http:'].includes(u.protocol) || !fileUrlAllowed(u, opts.allowedHosts)) {
      throw new FileFetchError(
        `file URL ${u.host}${u.pathname} is not on an allowed Slack file host`,
      );
    }
    const res = await fetch(u, {
      headers: { authorization: `Bearer ${token}` },
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      current = new URL(res.headers.get('location')!, u).toString();
      continue;
    }
    if (!res.ok) throw new FileFetchError(`file download failed with HTTP ${res.status}`);
    // Without a valid token Slack answers with its HTML sign-in page, not an error.
    if ((res.headers.get('content-type') ?? '').includes('text/html')) {
      throw new FileFetchError(
        'Slack answered with a sign-in page: the token cannot read this file',
      );
    }
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > opts.maxBytes)
      throw new FileFetchError(`file is larger than ${opts.maxBytes} bytes`);
    const data = Buffer.from(await res.arrayBuffer());
    if (data.length > opts.maxBytes)
      throw new FileFetchError(`file is larger than ${opts.maxBytes} bytes`);
    return data;
  }
  throw new FileFetchError('too many redirects');
}
