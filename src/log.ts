import pino, { type Logger } from 'pino';

/** JSON logs for machines; pretty lines when a person watches a terminal. Secrets never appear. */
export function createLogger(level: string, opts: { pretty?: boolean } = {}): Logger {
  const pretty = opts.pretty ?? process.stdout.isTTY === true;
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-slack-signature"]',
        'res.headers["set-cookie"]',
        '*.token',
        '*.password',
        '*.access_token',
        '*.client_secret',
        '*.signing_secret',
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
