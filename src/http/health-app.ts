import Fastify, { type FastifyInstance } from 'fastify';

/**
 * What a `--role worker` or `--role scheduler` node serves: `/healthz` only, on PORT. Such a
 * node takes no API calls and no Slack events, but an orchestrator (a Kubernetes liveness
 * probe, a load balancer's health check, systemd) still needs to ask it whether it is up.
 */
export async function buildHealthApp(
  role: string,
  readiness: { ready: boolean },
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async (_req, reply) =>
    readiness.ready
      ? { ok: true, role }
      : reply.status(503).send({ ok: false, role, starting: true }),
  );
  app.setNotFoundHandler((_req, reply) =>
    reply
      .status(404)
      .send({ error: 'RecordNotFound', description: `A ${role} node serves only /healthz` }),
  );
  return app;
}
