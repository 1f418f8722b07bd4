/**
 * Rule notifications by email when PARLEY_SMTP_URL is set: a real SMTP server (smtp-server) on
 * 127.0.0.1 receives them; agents and end-user requesters of non-messaging tickets get a text
 * and an HTML part, values escaped in the HTML; a refused address is shown in-app.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { RuleEffect } from '../../src/desk/events.ts';
import { nowIso } from '../../src/desk/time.ts';
import { updateTicket } from '../../src/desk/tickets/update-ticket.ts';
import { API_VIA } from '../../src/desk/via.ts';
import { DB_KINDS, startTestDesk, type TestDesk } from '../helpers/harness.ts';
import { deactivateDefaultTriggers } from '../helpers/rules.ts';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

const RULE = { kind: 'trigger' as const, id: 11, title: 'Mail them' };

function decodeQuotedPrintable(s: string): string {
  const bytes = s
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** The message's header value and its parts by content type, decoded. */
function parse(raw: string): { header(name: string): string; parts: Record<string, string> } {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const header = (name: string) =>
    new RegExp(`^${name}: (.*)$`, 'im').exec(unfolded)?.[1]?.trim() ?? '';
  const boundary = /boundary="?([^";]+)"?/.exec(header('Content-Type'))?.[1];
  const parts: Record<string, string> = {};
  if (!boundary) return { header, parts };
  const body = rest.join('\n\n');
  for (const chunk of body.split(`--${boundary}`)) {
    const [ph = '', ...pb] = chunk.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
    const type = /content-type: ([^;\r\n]+)/i.exec(ph)?.[1];
    if (!type) continue;
    let content = pb.join('\n\n').replace(/\r?\n$/, '');
    if (/quoted-printable/i.test(ph)) content = decodeQuotedPrintable(content);
    if (/base64/i.test(ph)) content = Buffer.from(content, 'base64').toString('utf8');
    parts[type.trim()] = content.replace(/\r\n/g, '\n');
  }
  return { header, parts };
}

async function startSmtp(): Promise<{ server: SMTPServer; port: number; inbox: Received[] }> {
  const inbox: Received[] = [];
  const greylisted = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'parley' && auth.password === 's3cret-pass') cb(null, { user: 1 });
      else cb(new Error('bad credentials'));
    },
    onRcptTo(address, _session, cb) {
      // `busy.` addresses are refused for now once, as a greylisting server does.
      if (address.address.startsWith('busy.') && !greylisted.has(address.address)) {
        greylisted.add(address.address);
        cb(Object.assign(new Error('4.7.1 Try again later'), { responseCode: 451 }));
      } else if (address.address.startsWith('bounce')) {
        cb(Object.assign(new Error('5.1.1 No such mailbox here'), { responseCode: 550 }));
      } else cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((a) => a.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return { server, port, inbox };
}

async function notify(desk: TestDesk, ticketId: number, effects: RuleEffect[]): Promise<void> {
  const { parley } = desk;
  const admin = await parley.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', desk.adminId)
    .executeTakeFirstOrThrow();
  await updateTicket(
    parley.db,
    { user: admin, via: API_VIA },
    ticketId,
    {},
    { body: 'internal', public: false },
    nowIso(),
    { events: parley.events, effects: effects.map((effect) => ({ rule: RULE, effect })) },
  );
  await parley.notifications.notify!.drained();
  await parley.notifications.email!.drained();
}

describe('PARLEY_SMTP_URL', () => {
  it('takes smtp:// and smtps:// URLs only, with a default sender, and never echoes the URL', () => {
    const dir = { PARLEY_DATA_DIR: '/nonexistent/parley', PARLEY_SECRET_KEY: 'ab'.repeat(32) };
    assert.equal(loadConfig(dir).smtp, null);
    const c = loadConfig({ ...dir, PARLEY_SMTP_URL: 'smtps://u:pw@mail.example.com:465' });
    assert.deepEqual(c.smtp, {
      url: 'smtps://u:pw@mail.example.com:465',
      from: 'Parley <parley@localhost>',
    });
    assert.throws(
      () => loadConfig({ ...dir, PARLEY_SMTP_URL: 'https://u:hunter2@mail.example.com' }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /PARLEY_SMTP_URL/.test(err.message) &&
        !err.message.includes('hunter2'),
    );
  });
});

for (const kind of DB_KINDS) {
  describe(`Rule notifications by email [${kind}]`, () => {
    let desk: TestDesk & { stop(): Promise<void> };
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    before(async () => {
      smtp = await startSmtp();
      desk = await startTestDesk(kind, {
        env: {
          PARLEY_SMTP_URL: `smtp://parley:s3cret-pass@127.0.0.1:${smtp.port}`,
          PARLEY_SMTP_FROM: 'Help Desk <help@example.com>',
        },
      });
      await deactivateDefaultTriggers(desk);
    });
    after(async () => {
      await desk?.stop();
      await new Promise<void>((resolve) => smtp.server.close(() => resolve()));
    });

    it('emails the agent and the end-user requester, text and HTML, values escaped', async () => {
      const agent = await desk.createAgent('Mel Mail');
      const endUser = await desk.createEndUser('Ed Enduser');
      const created = await desk.api('POST', '/api/v2/tickets', {
        ticket: {
          subject: '<img src=x onerror=alert(1)> & more',
          comment: { body: 'help' },
          requester_id: endUser.id,
          assignee_id: agent.id,
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const ticketId = created.body.ticket.id as number;
      const body = 'Ticket {{ticket.title}}\nfrom {{ticket.requester.name}}';
      await notify(desk, ticketId, [
        {
          type: 'notification_user',
          recipient: 'assignee_id',
          subject: 'New: #{{ticket.id}}',
          body,
        },
        { type: 'notification_user', recipient: 'requester_id', subject: 'We got it', body },
      ]);
      const toAgent = smtp.inbox.filter((m) => m.to.includes(agent.email));
      const toEndUser = smtp.inbox.filter((m) => m.to.includes(endUser.email));
      assert.equal(toAgent.length, 1);
      assert.equal(toEndUser.length, 1);
      assert.equal(toAgent[0]!.from, 'help@example.com');
      const mail = parse(toAgent[0]!.raw);
      assert.equal(mail.header('Subject'), `New: #${ticketId}`);
      assert.match(mail.header('From'), /Help Desk <help@example.com>/);
      assert.equal(
        mail.parts['text/plain'],
        'Ticket <img src=x onerror=alert(1)> & more\nfrom Ed Enduser',
      );
      assert.equal(
        mail.parts['text/html'],
        'Ticket &lt;img src=x onerror=alert(1)&gt; &amp; more<br>\nfrom Ed Enduser',
      );
      assert.equal(parse(toEndUser[0]!.raw).header('Subject'), 'We got it');
    });

    it('emails no end-user requester of a messaging ticket', async () => {
      const endUser = await desk.createEndUser('Sam Slack');
      const created = await desk.api('POST', '/api/v2/tickets', {
        ticket: { subject: 'chat', comment: { body: 'hi' }, requester_id: endUser.id },
      });
      const ticketId = created.body.ticket.id as number;
      await desk.parley.db
        .updateTable('tickets')
        .set({ from_messaging_channel: 1 })
        .where('id', '=', ticketId)
        .execute();
      await notify(desk, ticketId, [
        { type: 'notification_user', recipient: 'requester_id', subject: 'no', body: 'no' },
      ]);
      assert.deepEqual(
        smtp.inbox.filter((m) => m.to.includes(endUser.email)),
        [],
      );
    });

    it('retries an address refused for now, and delivers it once', async () => {
      const agent = await desk.createAgent('Gus Grey');
      const address = `busy.${agent.id}@example.com`;
      await desk.parley.db
        .updateTable('users')
        .set({ email: address })
        .where('id', '=', agent.id)
        .execute();
      const created = await desk.api('POST', '/api/v2/tickets', {
        ticket: { subject: 'grey', comment: { body: 'x' } },
      });
      await notify(desk, created.body.ticket.id, [
        { type: 'notification_user', recipient: agent.id, subject: 'Retried', body: 'b' },
      ]);
      assert.equal(smtp.inbox.filter((m) => m.to.includes(address)).length, 1);
      const job = await desk.parley.db
        .selectFrom('jobs')
        .select(['status', 'attempts'])
        .where('queue', '=', 'rules.email')
        .where('payload', 'like', `%${address}%`)
        .executeTakeFirstOrThrow();
      assert.deepEqual(job, { status: 'done', attempts: 2 });
    });

    it('shows a refused address to the assignee in-app, with the server answer', async () => {
      const agent = await desk.createAgent('Ann Assignee');
      const bouncing = await desk.createEndUser('Bob Bounce');
      await desk.parley.db
        .updateTable('users')
        .set({ email: `bounce.${bouncing.id}@example.com` })
        .where('id', '=', bouncing.id)
        .execute();
      const created = await desk.api('POST', '/api/v2/tickets', {
        ticket: {
          subject: 'bounce',
          comment: { body: 'x' },
          requester_id: bouncing.id,
          assignee_id: agent.id,
        },
      });
      const ticketId = created.body.ticket.id as number;
      await notify(desk, ticketId, [
        { type: 'notification_user', recipient: 'requester_id', subject: 'Hello', body: 'b' },
      ]);
      const res = await desk.api('GET', '/api/v2/notifications', undefined, { auth: agent.auth });
      const failure = res.body.notifications.find((n: any) => n.ticket_id === ticketId);
      assert.ok(failure, JSON.stringify(res.body));
      assert.equal(
        failure.subject,
        `Notification to Bob Bounce <bounce.${bouncing.id}@example.com> could not be sent`,
      );
      assert.match(failure.body, /email notification "Hello".*failed: 550/);
    });
  });
}
