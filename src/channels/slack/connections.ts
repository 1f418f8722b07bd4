import type { Conn } from '../../desk/context.ts';
import { NotFoundError, ValidationError } from '../../desk/errors.ts';
import type { SlackConnection, SlackConnectionMode } from '../../db/types.ts';
import { parseJson, presentTime } from '../../desk/time.ts';

export const DEFAULT_FILE_TYPES = ['pdf', 'png', 'jpeg', 'gif', 'txt'];

/** File types are extensions without the dot, lower case; `jpg` and `jpeg` are one type. */
export function normalizeFileTypes(types: string[]): string[] {
  const out = new Set<string>();
  for (const t of types) {
    const v = t.trim().toLowerCase().replace(/^\./, '');
    if (!/^[a-z0-9]{1,10}$/.test(v)) {
      throw ValidationError.field(
        'allowed_file_types',
        `Allowed file types: "${t}" is not a file extension`,
      );
    }
    out.add(v === 'jpg' ? 'jpeg' : v);
  }
  return [...out];
}

export async function getConnection(db: Conn, id: number): Promise<SlackConnection> {
  const row = await db
    .selectFrom('slack_connections')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('Slack connection');
  return row;
}

async function requireBrand(db: Conn, brandId: number) {
  const brand = await db
    .selectFrom('brands')
    .select('id')
    .where('id', '=', brandId)
    .executeTakeFirst();
  if (!brand)
    throw ValidationError.field('brand_id', `Brand: there is no brand with id ${brandId}`);
}

export async function createConnection(
  db: Conn,
  input: {
    name: string;
    brand_id: number;
    mode: SlackConnectionMode;
    app_id: number;
    attachments_enabled?: boolean;
    allowed_file_types?: string[];
  },
  now: string,
): Promise<SlackConnection> {
  await requireBrand(db, input.brand_id);
  return db
    .insertInto('slack_connections')
    .values({
      name: input.name,
      brand_id: input.brand_id,
      app_id: input.app_id,
      mode: input.mode,
      status: 'pending',
      attachments_enabled: input.attachments_enabled === false ? 0 : 1,
      allowed_file_types: JSON.stringify(
        normalizeFileTypes(input.allowed_file_types ?? DEFAULT_FILE_TYPES),
      ),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateConnection(
  db: Conn,
  id: number,
  patch: {
    name?: string;
    brand_id?: number;
    attachments_enabled?: boolean;
    allowed_file_types?: string[];
  },
  now: string,
): Promise<SlackConnection> {
  await getConnection(db, id);
  if (patch.brand_id !== undefined) await requireBrand(db, patch.brand_id);
  await db
    .updateTable('slack_connections')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.brand_id !== undefined ? { brand_id: patch.brand_id } : {}),
      ...(patch.attachments_enabled !== undefined
        ? { attachments_enabled: patch.attachments_enabled ? 1 : 0 }
        : {}),
      ...(patch.allowed_file_types !== undefined
        ? { allowed_file_types: JSON.stringify(normalizeFileTypes(patch.allowed_file_types)) }
        : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
  return getConnection(db, id);
}

/** A connection Slack no longer serves: tickets stay, the token is forgotten. */
export async function markDisconnected(
  db: Conn,
  id: number,
  reason: string,
  now: string,
): Promise<void> {
  await db
    .updateTable('slack_connections')
    .set({ status: 'disconnected', status_reason: reason, token_enc: null, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/**
 * The connection (the workspace) each DM is in, as the ticket page and the requester panel
 * show it: a person of another team than the DM's connection is a Slack Connect partner.
 */
export function conversationConnections(db: Conn) {
  return db
    .selectFrom('slack_conversations')
    .innerJoin('slack_connections', 'slack_connections.id', 'slack_conversations.connection_id')
    .select([
      'slack_connections.id',
      'slack_connections.name',
      'slack_connections.team_id',
      'slack_connections.team_name',
    ]);
}

export function allowedFileTypes(c: SlackConnection): string[] {
  return parseJson<string[]>(c.allowed_file_types, DEFAULT_FILE_TYPES);
}

/** The API shape of a connection. Tokens and secrets are never part of it. */
export function presentConnection(c: SlackConnection, installUrl: string) {
  return {
    id: c.id,
    name: c.name,
    brand_id: c.brand_id,
    app_id: c.app_id,
    mode: c.mode,
    status: c.status,
    status_reason: c.status_reason,
    install_url: installUrl,
    team_id: c.team_id,
    team_name: c.team_name,
    enterprise_id: c.enterprise_id,
    slack_app_id: c.slack_app_id,
    identity_user_id: c.identity_user_id,
    bot_id: c.bot_id,
    attachments_enabled: c.attachments_enabled === 1,
    allowed_file_types: allowedFileTypes(c),
    installed_at: presentTime(c.installed_at),
    created_at: presentTime(c.created_at),
    updated_at: presentTime(c.updated_at),
  };
}
