/** The control API tests and scripts use to act as Slack and its people (JSON only). */
import type { FastifyInstance } from 'fastify';
import type { SlackSandbox } from '../sandbox.ts';
import { jsonBody, parse, queryRecord } from './request.ts';
import {
  approvalSchema,
  approveSchema,
  conversationQuery,
  deleteSchema,
  editSchema,
  eventsSchema,
  faultSchema,
  installSchema,
  rateLimitSchema,
  revokeSchema,
  sendSchema,
  socketModeSchema,
  userSchema,
} from './schemas.ts';

export function controlRoutes(app: FastifyInstance, sb: SlackSandbox): void {
  trafficControls(app, sb);
  settingsControls(app, sb);
}

/** Acting as people and Slack, and reading back what was called and delivered. */
function trafficControls(app: FastifyInstance, sb: SlackSandbox): void {
  app.post('/control/messages', async (req) => sb.sendMessage(parse(sendSchema, jsonBody(req))));
  app.post('/control/edit', async (req) => sb.editMessage(parse(editSchema, jsonBody(req))));
  app.post('/control/delete', async (req) => sb.deleteMessage(parse(deleteSchema, jsonBody(req))));
  app.post('/control/events', async (req) => {
    const body = parse(eventsSchema, jsonBody(req));
    if ('payload' in body) return sb.sendPayload(body.payload);
    return sb.sendEvent(body.event, body.to);
  });
  app.post('/control/url-verification', async () => sb.verifyUrl());
  app.get('/control/conversation', async (req) => {
    const q = parse(conversationQuery, queryRecord(req));
    return sb.conversationView(q.user, q.to, q.channel_type);
  });
  app.get('/control/calls', async (req) => {
    const method = queryRecord(req).method;
    return method ? sb.calls.filter((c) => c.method === method) : sb.calls;
  });
  app.post('/control/calls/clear', async () => {
    sb.calls.length = 0;
    return { ok: true };
  });
  app.get('/control/deliveries', async (req) => ({
    deliveries: sb.deliveries(queryRecord(req).event_id),
    socket_deliveries: sb.socketDeliveries(queryRecord(req).event_id),
  }));
  app.post('/control/socket-mode', async (req) => {
    const { on, drop_acks } = parse(socketModeSchema, jsonBody(req));
    sb.setSocketMode(on);
    if (drop_acks !== undefined) sb.dropSocketAcks(drop_acks);
    return { ok: true, on, connections: sb.socketConnections };
  });
  app.post('/control/socket-mode/reconnect', async () => ({
    ok: true,
    disconnected: sb.requestSocketReconnect(),
  }));
}

/** Faults, the rate limit, users, tokens, approval, install and reset. */
function settingsControls(app: FastifyInstance, sb: SlackSandbox): void {
  app.post('/control/faults', async (req) => {
    sb.addFault(parse(faultSchema, jsonBody(req)));
    return { ok: true, faults: sb.faults };
  });
  // chat.postMessage's per-channel limit: `{interval_ms, burst}`, or `{off: true}`.
  app.get('/control/rate-limit', async () => {
    const l = sb.postLimiter.limit;
    return l ? { interval_ms: l.intervalMs, burst: l.burst } : { off: true };
  });
  app.post('/control/rate-limit', async (req) => {
    const input = parse(rateLimitSchema, jsonBody(req));
    sb.postLimiter.reset(
      'off' in input ? null : { intervalMs: input.interval_ms, burst: input.burst },
    );
    return { ok: true };
  });
  app.post('/control/faults/clear', async () => {
    sb.clearFaults();
    return { ok: true };
  });
  app.post('/control/revoke', async (req) => {
    const target = parse(revokeSchema, jsonBody(req));
    const out = await sb.revoke(target);
    return { ok: true, ...out };
  });
  app.post('/control/users', async (req) => {
    const user = sb.addUser(parse(userSchema, jsonBody(req)));
    return {
      ok: true,
      user: { id: user.id, name: user.real_name, team_id: user.team_id, deleted: user.deleted },
    };
  });
  app.post('/control/require-approval', async (req) => {
    const { on } = parse(approvalSchema, jsonBody(req));
    sb.setRequireApproval(on);
    return { ok: true, required: on };
  });
  app.post('/control/approve', async (req) => {
    const { request_id } = parse(approveSchema, jsonBody(req));
    return sb.approve(request_id);
  });
  app.post('/control/install', async (req) => {
    const { mode, scopes } = parse(installSchema, jsonBody(req));
    return sb.install(mode, scopes);
  });
  app.post('/control/reset', async () => {
    sb.reset();
    return { ok: true };
  });
}
