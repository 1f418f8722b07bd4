import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import type { Db } from '../../db/index.ts';
import type { SlackApp } from '../../db/types.ts';
import { NotFoundError } from '../../desk/errors.ts';

/** A Slack app's credentials, decrypted for use in this process only. */
export interface AppCredentials {
  id: number;
  name: string;
  source: SlackApp['source'];
  clientId: string;
  clientSecret: string;
  signingSecret: string;
  appToken: string | null;
}

function open(box: SecretBox, app: SlackApp): AppCredentials {
  return {
    id: app.id,
    name: app.name,
    source: app.source,
    clientId: app.client_id,
    clientSecret: box.open(app.client_secret_enc),
    signingSecret: box.open(app.signing_secret_enc),
    appToken: app.app_token_enc ? box.open(app.app_token_enc) : null,
  };
}

async function upsertApp(
  db: Db,
  box: SecretBox,
  source: SlackApp['source'],
  creds: {
    name: string;
    clientId: string;
    clientSecret: string;
    signingSecret: string;
    appToken: string | null;
  },
): Promise<void> {
  const now = new Date().toISOString();
  const values = {
    name: creds.name,
    client_secret_enc: box.seal(creds.clientSecret),
    signing_secret_enc: box.seal(creds.signingSecret),
    app_token_enc: creds.appToken ? box.seal(creds.appToken) : null,
    updated_at: now,
  };
  const existing = await db
    .selectFrom('slack_apps')
    .select('id')
    .where('client_id', '=', creds.clientId)
    .executeTakeFirst();
  if (existing) {
    await db
      .updateTable('slack_apps')
      .set({ ...values, source })
      .where('id', '=', existing.id)
      .execute();
  } else {
    await db
      .insertInto('slack_apps')
      .values({ ...values, source, client_id: creds.clientId, created_at: now })
      .execute();
  }
}

/**
 * Makes sure the apps the configuration names exist: the one from SLACK_* variables, and in
 * sandbox mode the sandbox's own app, whose secrets are generated once and kept.
 */
export async function ensureConfiguredApps(db: Db, box: SecretBox, config: Config): Promise<void> {
  const app = config.slack.app;
  if (app) {
    await upsertApp(db, box, 'env', {
      name: 'Parley',
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      signingSecret: app.signingSecret,
      appToken: app.appToken,
    });
  }
  if (config.slack.sandbox) {
    const exists = await db
      .selectFrom('slack_apps')
      .select('id')
      .where('source', '=', 'sandbox')
      .executeTakeFirst();
    if (!exists) {
      await upsertApp(db, box, 'sandbox', {
        name: 'Parley (sandbox)',
        clientId: `sandbox.${randomBytes(6).toString('hex')}`,
        clientSecret: randomBytes(16).toString('hex'),
        signingSecret: randomBytes(16).toString('hex'),
        appToken: null,
      });
    }
  }
}

/** Sets or clears an app's app-level token (Socket Mode), sealed like its other secrets. */
export async function setAppToken(
  db: Db,
  box: SecretBox,
  appId: number,
  appToken: string | null,
): Promise<void> {
  await db
    .updateTable('slack_apps')
    .set({
      app_token_enc: appToken ? box.seal(appToken) : null,
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', appId)
    .execute();
}

export async function listApps(db: Db, box: SecretBox): Promise<AppCredentials[]> {
  const rows = await db.selectFrom('slack_apps').selectAll().orderBy('id').execute();
  return rows.map((r) => open(box, r));
}

export async function getApp(db: Db, box: SecretBox, id: number): Promise<AppCredentials> {
  const row = await db.selectFrom('slack_apps').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('Slack app');
  return open(box, row);
}

/** The app new connections use unless told otherwise: the configured one, else the sandbox. */
export async function defaultApp(db: Db): Promise<SlackApp | undefined> {
  const rows = await db.selectFrom('slack_apps').selectAll().orderBy('id').execute();
  return (
    rows.find((r) => r.source === 'env') ?? rows.find((r) => r.source === 'sandbox') ?? rows[0]
  );
}
