/** The /sandbox page, its JSON calls, and chat.getPermalink's targets. */
import type { FastifyInstance } from 'fastify';
import { sandboxPage } from '../page.ts';
import type { SlackSandbox } from '../sandbox.ts';
import { avatarUrl } from '../shapes.ts';
import { ACCOUNT_USER_ID, BOT_USER_ID, type Identity } from '../workspace.ts';
import { html, jsonBody, parse, queryRecord } from './request.ts';
import { conversationQuery, deleteSchema, editSchema, sendSchema } from './schemas.ts';

export function uiRoutes(app: FastifyInstance, sb: SlackSandbox): void {
  pageRoutes(app, sb);
  conversationRoutes(app, sb);
}

/** The page itself, its state, and chat.getPermalink targets. */
function pageRoutes(app: FastifyInstance, sb: SlackSandbox): void {
  const ws = sb.workspace;

  // chat.getPermalink targets: open the page on the person in that conversation.
  app.get('/archives/:channel/:message', async (req, reply) => {
    const conv = ws.conversation((req.params as { channel: string }).channel);
    const person = conv?.members.find((m) => m !== BOT_USER_ID && m !== ACCOUNT_USER_ID);
    const to = conv?.members.includes(BOT_USER_ID) ? 'bot' : 'account';
    const target = person
      ? `${sb.prefix}/?user=${encodeURIComponent(person)}&to=${to}`
      : `${sb.prefix}/`;
    return reply.redirect(target, 302);
  });

  // The page holds the control secret: never kept by a cache.
  app.get('/', async (_req, reply) =>
    html(reply.header('cache-control', 'no-store'), sandboxPage(sb)),
  );

  app.get('/ui/state', async () => {
    const people = ws.state.users.filter(
      (u) => !u.is_bot && !u.deleted && u.id !== ACCOUNT_USER_ID,
    );
    return {
      app: sb.appName,
      team: { id: ws.homeTeam.id, name: ws.homeTeam.name },
      installed: { bot: !!ws.state.installs.bot, account: !!ws.state.installs.account },
      default_to: ws.defaultIdentity(),
      pending_approvals: ws.state.approval.pending.length,
      people: people.map((u) => ({
        id: u.id,
        name: u.real_name,
        team: ws.team(u.team_id)?.name ?? u.team_id,
        external: ws.isExternal(u.id),
        avatar: avatarUrl(sb.urls, u.id, 72),
      })),
    };
  });
}

/** The page's conversation view and its send, edit and delete calls. */
function conversationRoutes(app: FastifyInstance, sb: SlackSandbox): void {
  const ws = sb.workspace;

  app.get('/ui/conversation', async (req) => {
    const q = parse(conversationQuery, queryRecord(req));
    const to: Identity = q.to ?? ws.defaultIdentity();
    const view = sb.conversationView(q.user, to);
    const identityUser = ws.user(ws.identityUserId(to))!;
    const name = (userId: string | undefined, username?: string) => {
      if (username) return username;
      const u = userId ? ws.user(userId) : undefined;
      return u ? u.display_name || u.real_name : (userId ?? 'unknown');
    };
    const users: Record<string, string> = {};
    for (const u of ws.state.users) users[u.id] = u.display_name || u.real_name;
    return {
      channel: view.channel,
      me: q.user,
      identity: {
        id: identityUser.id,
        name: identityUser.is_bot ? sb.appName : identityUser.real_name,
        is_bot: identityUser.is_bot,
        avatar: avatarUrl(sb.urls, identityUser.id, 72),
      },
      users,
      messages: view.messages.map((m) => ({
        ...m,
        name: name(m.user, m.username),
        is_bot: !!m.bot_id,
        avatar: avatarUrl(sb.urls, m.user ?? m.bot_id ?? 'unknown', 72),
        own: m.user === q.user,
        files: m.files?.map((f) => ({ ...f, url: `${sb.prefix}/ui/files/${f.id}` })),
      })),
    };
  });

  app.post('/ui/send', async (req) => {
    const sent = await sb.sendMessage(parse(sendSchema, jsonBody(req)));
    return { ok: true, ...sent };
  });
  app.post('/ui/edit', async (req) => ({
    ok: true,
    ...(await sb.editMessage(parse(editSchema, jsonBody(req)))),
  }));
  app.post('/ui/delete', async (req) => ({
    ok: true,
    ...(await sb.deleteMessage(parse(deleteSchema, jsonBody(req)))),
  }));
}
