import type { FastifyReply } from 'fastify';

/**
 * How an attachment's bytes go to a browser. Anyone who can open a ticket can upload a file,
 * and the file is served from Parley's own origin: an HTML or SVG file rendered there would
 * run its scripts with an agent's session. So:
 *
 * - only types a browser displays without running anything are shown inline, with their type;
 * - everything else is a download (`attachment`) sent as application/octet-stream, whatever
 *   type the uploader claimed (the attachment's JSON still reports that type);
 * - every response carries `Content-Security-Policy: sandbox` (no script, no same-origin
 *   access even if a browser did render it) and `X-Content-Type-Options: nosniff` (no
 *   guessing HTML out of a "text/plain" or "image/png" file).
 */
const INLINE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
]);

export interface Served {
  contentType: string;
  disposition: string;
}

/** RFC 6266: an ASCII fallback name plus the exact UTF-8 one. */
function dispositionFor(kind: 'inline' | 'attachment', fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  // encodeURIComponent leaves ' ( ) * as they are, which RFC 5987 does not allow.
  const exact = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

export function servedAs(contentType: string, fileName: string): Served {
  const type = contentType.split(';')[0]!.trim().toLowerCase(); // split gives one part at least
  if (INLINE_TYPES.has(type)) {
    return { contentType: type, disposition: dispositionFor('inline', fileName) };
  }
  return {
    contentType: 'application/octet-stream',
    disposition: dispositionFor('attachment', fileName),
  };
}

/** Set on every attachment response, errors included, before anything else runs. */
export async function attachmentSecurityHeaders(_req: unknown, reply: FastifyReply) {
  void reply.header('content-security-policy', 'sandbox');
  void reply.header('x-content-type-options', 'nosniff');
}
