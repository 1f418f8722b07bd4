/**
 * A small, binary-safe multipart/form-data parser (RFC 7578) for the sandbox's Web API and
 * upload URL. The whole body is already in memory (capped by the route's body limit), so a
 * buffer scan is enough; no streaming.
 */

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  headers: Record<string, string>;
  data: Buffer;
}

export class MultipartError extends Error {}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** Reads `key=value` / `key="quoted"` parameters of a header value. */
export function headerParams(value: string): { value: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const semi = value.indexOf(';');
  const main = (semi < 0 ? value : value.slice(0, semi)).trim();
  let rest = semi < 0 ? '' : value.slice(semi + 1);
  const re = /^\s*([^=;\s]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]*)\s*(;|$)/;
  while (rest.trim()) {
    const m = re.exec(rest);
    if (!m) {
      // A bare flag or malformed piece: skip to the next separator.
      const next = rest.indexOf(';');
      if (next < 0) break;
      rest = rest.slice(next + 1);
      continue;
    }
    // Groups 1 and 2 always take part in a match; 3 only for a quoted value.
    const key = m[1]!.toLowerCase();
    const raw = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]!.trim();
    params[key] = raw;
    rest = rest.slice(m[0].length);
  }
  return { value: main.toLowerCase(), params };
}

export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType) return null;
  const { value, params } = headerParams(contentType);
  if (value !== 'multipart/form-data' || !params.boundary) return null;
  if (params.boundary.length > 200) return null;
  return params.boundary;
}

function decodeExtValue(v: string): string | undefined {
  // RFC 5987: charset'lang'percent-encoded
  const m = /^([\w!#$%&+^`{}~-]*)'[\w-]*'(.*)$/.exec(v);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[2]!); // the group always takes part in a match
  } catch {
    return undefined;
  }
}

export function parseMultipart(
  body: Buffer,
  boundary: string,
  limits: { maxParts?: number } = {},
): MultipartPart[] {
  const maxParts = limits.maxParts ?? 100;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new MultipartError('multipart boundary not found');
  pos += delimiter.length;
  for (;;) {
    // After a delimiter: "--" closes the body, CRLF starts a part.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts;
    // Tolerate transport padding (spaces/tabs) before the CRLF.
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (!body.subarray(pos, pos + 2).equals(CRLF)) throw new MultipartError('malformed multipart');
    pos += 2;
    const headerEnd = body.indexOf(HEADER_END, pos);
    let headerText: string;
    let dataStart: number;
    if (body.subarray(pos, pos + 2).equals(CRLF)) {
      headerText = '';
      dataStart = pos + 2;
    } else {
      if (headerEnd < 0) throw new MultipartError('multipart part headers not terminated');
      headerText = body.subarray(pos, headerEnd).toString('utf8');
      dataStart = headerEnd + 4;
    }
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), dataStart);
    if (next < 0) throw new MultipartError('multipart body not terminated');
    const headers: Record<string, string> = {};
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const disposition = headerParams(headers['content-disposition'] ?? '');
    if (disposition.value !== 'form-data' || disposition.params.name === undefined) {
      throw new MultipartError('multipart part without a form-data name');
    }
    const filename =
      (disposition.params['filename*'] && decodeExtValue(disposition.params['filename*'])) ??
      disposition.params.filename;
    parts.push({
      name: disposition.params.name,
      ...(filename !== undefined ? { filename } : {}),
      ...(headers['content-type'] ? { contentType: headers['content-type'] } : {}),
      headers,
      data: body.subarray(dataStart, next),
    });
    if (parts.length > maxParts) throw new MultipartError('too many multipart parts');
    pos = next + 2 + delimiter.length;
  }
}
