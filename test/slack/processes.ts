/**
 * Parley as real child processes (`bin/parley.js start`) and Slack events signed for them: the
 * crash and several-nodes tests drive Parley the way production runs it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { signSlackRequest } from '../../src/channels/slack/verify.ts';
import { createSecretBox } from '../../src/crypto/secret-box.ts';
import type { Db } from '../../src/db/index.ts';

/**
 * The sandbox control secret child processes are started with (PARLEY_SLACK_SANDBOX_SECRET):
 * a separate process cannot read the random one Parley would make itself.
 */
export const SANDBOX_SECRET = 'child-process-sandbox-control-secret';

export function startChild(env: Record<string, string>, role?: string): ChildProcess {
  const args = ['bin/parley.js', 'start', ...(role ? ['--role', role] : [])];
  return spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * Until the Parley at `url` answers /healthz. Generous: a child process loads the whole app
 * and migrates its database, which took over 30 s on a loaded 2-core VM; the wait ends as
 * soon as it answers, so this costs nothing when all is well.
 */
export async function waitHealthy(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('parley did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A `message.im` from `user` in DM `channel` to the sandbox workspace's bot, the `i`th of its
 * run: its event id and message ts follow from `i` (the bench's runs pass a million).
 */
export function messageEvent(
  i: number,
  channel: string,
  user: string,
  opts: { idPrefix: string; text: string },
) {
  const ts = `${1700000000 + Math.floor(i / 1_000_000)}.${String(i % 1_000_000).padStart(6, '0')}`;
  return {
    token: 'x',
    team_id: 'T0SANDBOX',
    api_app_id: 'A0SANDBOX',
    type: 'event_callback',
    event_id: `${opts.idPrefix}${String(i).padStart(8, '0')}`,
    event_time: 1700000000,
    authorizations: [
      {
        enterprise_id: null,
        team_id: 'T0SANDBOX',
        user_id: 'U0BOT',
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    event: {
      type: 'message',
      channel_type: 'im',
      channel,
      user,
      text: opts.text,
      ts,
      event_ts: ts,
      team: 'T0SANDBOX',
    },
  };
}

/** The sandbox app's signing secret, as a Parley started with `secretKeyHex` stored it. */
export async function sandboxSigningSecret(db: Db, secretKeyHex: string): Promise<string> {
  const app = await db
    .selectFrom('slack_apps')
    .select('signing_secret_enc')
    .where('source', '=', 'sandbox')
    .executeTakeFirstOrThrow();
  return createSecretBox(Buffer.from(secretKeyHex, 'hex')).open(app.signing_secret_enc);
}

/** POSTs a payload to `/slack/events` signed as Slack would; resolves to the status. */
export async function postSlackEvent(
  url: string,
  secret: string,
  payload: string,
): Promise<number> {
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlackRequest(secret, ts, payload),
    },
    body: payload,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Waits until `total` inbox events are processed (applied, ignored or failed for good). */
export async function waitProcessed(db: Db, total: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await db
      .selectFrom('slack_inbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('processed_at', 'is not', null)
      .executeTakeFirstOrThrow();
    if (Number(row.n) >= total) return;
    if (Date.now() > deadline) throw new Error(`only ${row.n} of ${total} events processed`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
