/**
 * Who may reach the sandbox over HTTP: loopback only unless opened, and the control secret for
 * the control API and the page's JSON calls (see access.ts).
 */
import type { FastifyInstance } from 'fastify';
import { checkControlRequest, clientPermitted } from '../access.ts';
import type { SlackSandbox } from '../sandbox.ts';

export function guardAccess(app: FastifyInstance, sb: SlackSandbox): void {
  const hostNames = (sb.options.hostNames ?? []).map((h) => h.toLowerCase());
  // A closed sandbox does not exist for other machines: the same 404 as an unknown path.
  app.addHook('onRequest', async (req, reply) => {
    const permitted = clientPermitted(
      { remoteAddress: req.socket.remoteAddress, headers: req.headers },
      { open: sb.options.open === true, hostNames },
    );
    if (!permitted) return reply.status(404).send({ ok: false, error: 'not_found' });
  });
  // The control API and the page's own JSON calls read every DM and act as anyone in the
  // workspace. The page's file links are navigations and cannot carry a header.
  const guarded = /^\/(control|ui)\//;
  app.addHook('onRequest', async (req, reply) => {
    const path = (req.routeOptions.url ?? '').slice(sb.prefix.length);
    if (!guarded.test(path) || path.startsWith('/ui/files/')) return;
    const refused = checkControlRequest(req, sb.controlSecret);
    if (refused) {
      return reply
        .status(refused.status)
        .send({ ok: false, error: refused.error, message: refused.message });
    }
  });
}
