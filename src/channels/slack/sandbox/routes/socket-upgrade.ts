/** Socket Mode's endpoint: WebSocket upgrades taken from the host's HTTP server. */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { clientPermitted } from '../access.ts';
import type { SlackSandbox } from '../sandbox.ts';

export function socketRoutes(app: FastifyInstance): void {
  // Socket Mode connections arrive as HTTP upgrades (see attachSocketMode); a plain request
  // to the URL is answered the way a WebSocket endpoint answers one.
  app.get('/socket', async (_req, reply) =>
    reply.status(426).header('upgrade', 'websocket').send({ ok: false, error: 'upgrade_required' }),
  );
}

/**
 * Socket Mode's WebSocket endpoint, `{prefix}/socket`: Fastify routes plain requests only, so
 * the sandbox takes its upgrades straight from the host's HTTP server.
 */
export function attachSocketMode(server: Server, sb: SlackSandbox): () => void {
  const path = `${sb.prefix}/socket`;
  const hostNames = (sb.options.hostNames ?? []).map((h) => h.toLowerCase());
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const notFound = 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
    if (url.pathname !== path) {
      // An upgrade nobody else listens for would otherwise hang until the client gives up.
      if (server.listenerCount('upgrade') === 1) socket.end(notFound);
      return;
    }
    const permitted = clientPermitted(
      { remoteAddress: req.socket.remoteAddress, headers: req.headers },
      { open: sb.options.open === true, hostNames },
    );
    if (!permitted) {
      socket.end(notFound);
      return;
    }
    sb.acceptSocket(req, socket, head, url.searchParams.get('ticket'));
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
  };
}
