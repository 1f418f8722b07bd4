/** The Web API (`/api/{method}`): the call log, held calls, injected faults, then the method. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { SlackRateLimited } from '../ratelimit.ts';
import type { Fault, SlackSandbox } from '../sandbox.ts';
import { Args, type ArgValue, callMethod } from '../webapi.ts';
import { SlackApiError } from '../workspace.ts';
import { credentials, webApiArgs } from './request.ts';

export function webApiRoutes(app: FastifyInstance, sb: SlackSandbox): void {
  app.route({
    method: ['GET', 'POST'],
    url: '/api/:method',
    handler: async (req, reply) => {
      const method = (req.params as { method: string }).method;
      let args: Record<string, ArgValue>;
      try {
        args = webApiArgs(req);
      } catch (err) {
        if (err instanceof SlackApiError) return { ok: false, error: err.error };
        throw err;
      }
      const call = sb.recordCall(method, args);
      await sb.held(method);
      const fault = sb.takeFault(method);
      if (fault) {
        call.fault = fault.kind;
        const answered = await applyFault(fault, reply);
        if (answered) return reply;
      }
      try {
        return await callMethod(sb, method, new Args(args), credentials(req));
      } catch (err) {
        if (err instanceof SlackApiError) return { ok: false, error: err.error, ...err.extra };
        if (err instanceof SlackRateLimited) {
          call.ratelimited = true;
          return reply
            .status(429)
            .header('retry-after', String(err.retryAfterSeconds))
            .send({ ok: false, error: 'ratelimited' });
        }
        throw err;
      }
    },
  });
}

async function applyFault(fault: Fault, reply: FastifyReply): Promise<boolean> {
  switch (fault.kind) {
    case 'rate_limited':
      await reply
        .status(429)
        .header('retry-after', String(fault.retry_after ?? 1))
        .send({ ok: false, error: 'ratelimited' });
      return true;
    case 'server_error': {
      const status = fault.status ?? 500;
      await reply
        .status(status)
        .send({ ok: false, error: status === 503 ? 'service_unavailable' : 'internal_error' });
      return true;
    }
    case 'error':
      await reply.status(200).send({ ok: false, error: fault.error ?? 'internal_error' });
      return true;
    case 'slow':
      await new Promise((r) => setTimeout(r, fault.delay_ms ?? 5000));
      return false;
  }
}
