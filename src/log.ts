import pino, { type Logger } from 'pino';

/**
 * Query parameters whose values are credentials: the Slack install link's `k`, OAuth's `code`
 * and `state`, tokens of every kind, Socket Mode's connection `ticket`. Request URLs are logged
 * on every request, so these are blanked before a line is written.
 */
const SECRET_PARAMS = new Set([
  'k',
  'code',
  'state',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  'password',
  'secret',
  'ticket',
  'signature',
]);

/** A URL (path and query) with the values of secret query parameters replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // A malformed escape in the name: compare it as written.
      }
      return SECRET_PARAMS.has(name.trim().toLowerCase()) ? `${rawName}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/** Fastify's request serializer, with the URL redacted. */
function requestValue(req: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  headers?: Record<string, unknown>;
  socket?: { remotePort?: number };
}) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export const logSerializers = { req: requestValue };

/** JSON logs for machines; pretty lines when a person watches a terminal. Secrets never appear. */
export function createLogger(level: string, opts: { pretty?: boolean } = {}): Logger {
  const pretty = opts.pretty ?? process.stdout.isTTY === true;
  return pino({
    level,
    serializers: logSerializers,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-slack-signature"]',
        'req.headers["x-sandbox-secret"]',
        'res.headers["set-cookie"]',
        '*.token',
        '*.password',
        '*.access_token',
        '*.client_secret',
        '*.signing_secret',
        // The SMTP URL carries its password (config.smtp.url).
        'smtp.url',
        '*.smtp.url',
      ],
      censor: '[redacted]',
    },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'SYS:HH:MM:ss' },
          },
        }
      : {}),
  });
}
