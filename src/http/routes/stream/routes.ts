import { authorize } from '../../../desk/policies/authorize.ts';
import { showTicket } from '../../../desk/tickets/ticket-queries.ts';
import type { PresenceChange } from '../../../realtime/presence.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { HttpError, parseWith } from '../../shared/errors.ts';
import { parseQuery } from '../../shared/query.ts';
import { idParam } from '../../shared/schemas/common.ts';
import { lastEventIdHeader, presenceSchema, streamQuery } from './schemas.ts';

function presentPresence(p: PresenceChange) {
  return {
    ticket_id: p.ticketId,
    user: p.user,
    state: p.state,
    expires_at: new Date(p.expiresAt).toISOString(),
  };
}

/**
 * The agent workspace's realtime door (Parley's own; Zendesk has none): Server-Sent Events of
 * ticket changes, deliveries, notifications and presence, and presence on a ticket.
 */
export const streamRoutes: RoutePlugin = (app, { db, stream }) => {
  app.get('/stream', async (req, reply) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'stream:read');
    const q = parseQuery(streamQuery, req.query);
    const header = parseQuery(lastEventIdHeader, req.headers['last-event-id'] ?? '');
    // Both given: the header wins. A browser's EventSource opened with `?last_event_id=` (the
    // workspace resumes its first stream so) keeps that address on its own reconnects and
    // sends the last id it saw as the header, which is the newer of the two.
    const from = header ?? q.last_event_id;
    if (!stream.admits(actor)) {
      throw new HttpError(429, 'TooManyRequests', 'Too many open streams for this user');
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies (nginx) would otherwise hold events back to fill a buffer.
      'x-accel-buffering': 'no',
      'x-request-id': req.id,
    });
    // A client may go away during the replay: from then on nothing is written to its socket.
    let gone = false;
    let conn: { close(): void } | null = null;
    res.on('close', () => {
      gone = true;
      conn?.close();
    });
    // A write racing a reset socket must not become an unhandled error event.
    res.on('error', () => {
      gone = true;
    });
    const sink = {
      write: (text: string) => {
        if (!gone) res.write(text);
      },
      end: () => res.end(),
    };
    try {
      conn = await stream.open(actor, from, sink);
      if (!q.follow || gone) conn.close();
    } catch (err) {
      req.log.error({ err }, 'stream failed to open');
      res.end();
    }
  });

  app.post('/tickets/:id/presence', async (req) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'presence:share');
    const ticket = await showTicket(db, actor, idParam(req.params));
    const { state } = parseWith(presenceSchema, req.body).presence;
    const change = await stream.presence(actor, ticket, state);
    return { presence: presentPresence(change) };
  });

  app.get('/tickets/:id/presence', async (req) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'presence:share');
    const ticket = await showTicket(db, actor, idParam(req.params));
    return { presence: stream.presentOn(ticket.id).map(presentPresence) };
  });
};
