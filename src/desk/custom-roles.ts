import { sql } from 'kysely';
import { z } from 'zod';
import { transaction } from '../db/transaction.ts';
import type { CustomRole, User } from '../db/types.ts';
import type { Actor, Conn } from './context.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { grantsOfUser, holds } from './policies/grants.ts';
import { authorize } from './policies/authorize.ts';
import { parseJson } from './time.ts';

/**
 * Zendesk's custom agent role configuration, key by key (developer.zendesk.com
 * custom_roles "Configuration"). Strict: an unknown key is refused rather than stored, so a
 * typo never silently grants or withholds a permission.
 */
const flag = z.boolean();
const customObjectScopes = z
  .object({ scopes: z.array(z.enum(['read', 'update', 'delete', 'create'])).max(4) })
  .strict()
  .refine((o) => o.scopes.length === 0 || o.scopes.includes('read'), {
    message: 'the read scope is required when any other scope is given',
  });

export const customRoleConfiguration = z.strictObject({
  assign_tickets_to_any_brand: flag,
  assign_tickets_to_any_group: flag,
  chat_access: flag,
  custom_objects: z.record(z.string().min(1).max(100), customObjectScopes),
  end_user_list_access: z.enum(['full', 'none']),
  end_user_profile_access: z.enum(['edit', 'edit-within-org', 'full', 'readonly']),
  explore_access: z.enum(['edit', 'full', 'none', 'readonly']),
  explore_reports: z.strictObject({
    ticket_access: z.enum(['all', 'within-groups', 'selected-groups']).optional(),
    groups_ticket_access: z.enum(['all', 'within-groups', 'selected-groups']).optional(),
    brands_ticket_access: z.enum(['all', 'within-brands', 'selected-brands']).optional(),
    ticket_access_selected_groups: z
      .array(z.string().regex(/^\d{1,20}$/))
      .max(1000)
      .optional(),
    ticket_access_selected_brands: z
      .array(z.string().regex(/^\d{1,20}$/))
      .max(1000)
      .optional(),
  }),
  export_views: flag,
  forum_access: z.enum(['edit-topics', 'full', 'readonly']),
  forum_access_restricted_content: flag,
  group_access: flag,
  light_agent: flag,
  macro_access: z.enum(['full', 'manage-group', 'manage-personal', 'readonly']),
  manage_approval_requests: flag,
  manage_automations: flag,
  manage_business_rules: flag,
  manage_contextual_workspaces: flag,
  manage_dynamic_content: flag,
  // The permission to configure messaging channels (Slack DM connections) and extensions.
  manage_extensions_and_channels: flag,
  manage_facebook: flag,
  manage_group_memberships: flag,
  manage_groups: flag,
  manage_organization_fields: flag,
  manage_organizations: flag,
  manage_roles: z.enum(['all-except-self', 'none']),
  manage_skills: flag,
  manage_slas: flag,
  manage_suspended_tickets: flag,
  manage_team_members: z.enum(['all-with-self-restriction', 'readonly', 'none']),
  manage_ticket_fields: flag,
  manage_ticket_forms: flag,
  manage_triggers: flag,
  manage_user_fields: flag,
  moderate_forums: flag,
  organization_editing: flag,
  organization_notes_editing: flag,
  report_access: z.enum(['full', 'none', 'readonly']),
  side_conversation_create: flag,
  ticket_access: z.enum([
    'all',
    'assigned-only',
    'within-groups',
    'within-groups-and-public-groups',
    'within-organization',
  ]),
  ticket_comment_access: z.enum(['public', 'none']),
  ticket_deletion: flag,
  ticket_editing: flag,
  ticket_merge: flag,
  ticket_redaction: flag,
  ticket_tag_editing: flag,
  twitter_search_access: flag,
  user_view_access: z.enum(['full', 'manage-group', 'manage-personal', 'none', 'readonly']),
  view_access: z.enum(['full', 'manage-group', 'manage-personal', 'playonly', 'readonly']),
  view_deleted_tickets: flag,
  view_filter_tickets: flag,
  voice_access: flag,
  voice_dashboard_access: flag,
});

export type CustomRoleConfiguration = z.infer<typeof customRoleConfiguration>;
/** Every key is optional on the wire: a role says only what it grants or restricts. */
export const customRoleConfigurationPatch = customRoleConfiguration.partial();
export type CustomRoleConfigurationPatch = z.infer<typeof customRoleConfigurationPatch>;
export type PermissionKey = keyof CustomRoleConfiguration;

/** Zendesk's role_type: 0 custom agent, 1 light agent, 2 chat agent, 3 contributor, 4 admin, 5 billing admin. */
export const ROLE_TYPES = [0, 1, 2, 3, 4, 5] as const;

export interface CustomRoleInput {
  name?: string;
  description?: string | null;
  role_type?: number;
  configuration?: CustomRoleConfigurationPatch;
}

export async function getCustomRole(db: Conn, id: number): Promise<CustomRole> {
  const row = await db
    .selectFrom('custom_roles')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('CustomRole');
  return row;
}

/** `GET /custom_roles`: only admins read roles. */
export async function listCustomRoles(db: Conn, actor: Actor): Promise<CustomRole[]> {
  await authorize(db, actor, 'custom-role:manage');
  return db.selectFrom('custom_roles').selectAll().orderBy('id').execute();
}

/** `GET /custom_roles/{id}`; getCustomRole is the desk's own, unchecked lookup. */
export async function showCustomRole(db: Conn, actor: Actor, id: number): Promise<CustomRole> {
  await authorize(db, actor, 'custom-role:manage');
  return getCustomRole(db, id);
}

/** team_member_count: the active users holding each role (deleted users are nobody's team). */
export async function teamMemberCounts(db: Conn, roleIds: number[]): Promise<Map<number, number>> {
  const counts = new Map<number, number>(roleIds.map((id) => [id, 0]));
  if (roleIds.length === 0) return counts;
  const rows = await db
    .selectFrom('users')
    .select(['custom_role_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('custom_role_id', 'in', roleIds)
    .where('active', '=', 1)
    .groupBy('custom_role_id')
    .execute();
  for (const r of rows) counts.set(r.custom_role_id!, Number(r.n));
  return counts;
}

async function assertNameFree(db: Conn, name: string, exceptId: number | null): Promise<void> {
  let q = db
    .selectFrom('custom_roles')
    .select('id')
    .where(sql<string>`lower(name)`, '=', name.toLowerCase());
  if (exceptId !== null) q = q.where('id', '!=', exceptId);
  if (await q.executeTakeFirst()) {
    throw ValidationError.field('name', 'Name: has already been taken', 'DuplicateValue');
  }
}

function cleanName(name: string | undefined): string {
  const trimmed = name?.trim() ?? '';
  if (!trimmed) throw ValidationError.field('name', 'Name: cannot be blank', 'BlankValue');
  return trimmed;
}

/**
 * Read-only keys are Zendesk's to compute; a client sending them changes nothing. Zendesk also
 * computes `chat_access`, but in Parley it is the permission to see messaging (Slack) tickets,
 * and an admin must be able to withhold it, so it is writable here.
 */
const READ_ONLY_KEYS = ['group_access', 'light_agent', 'moderate_forums'] as const;

function writableConfiguration(config: CustomRoleConfigurationPatch): CustomRoleConfigurationPatch {
  const out = { ...config };
  for (const k of READ_ONLY_KEYS) delete out[k];
  return out;
}

export async function createCustomRole(
  db: Conn,
  actor: Actor,
  input: CustomRoleInput,
  now: string,
): Promise<CustomRole> {
  await authorize(db, actor, 'custom-role:manage');
  const name = cleanName(input.name);
  return transaction(db, async (trx) => {
    await assertNameFree(trx, name, null);
    return trx
      .insertInto('custom_roles')
      .values({
        name,
        description: input.description ?? null,
        role_type: input.role_type ?? 0,
        configuration: JSON.stringify(writableConfiguration(input.configuration ?? {})),
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** An update's configuration is merged key by key into the stored one, as Zendesk does. */
export async function updateCustomRole(
  db: Conn,
  actor: Actor,
  id: number,
  input: CustomRoleInput,
  now: string,
): Promise<CustomRole> {
  await authorize(db, actor, 'custom-role:manage');
  return transaction(db, async (trx) => {
    const role = await getCustomRole(trx, id);
    const set: Partial<CustomRole> = { updated_at: now };
    if (input.name !== undefined) {
      set.name = cleanName(input.name);
      await assertNameFree(trx, set.name, id);
    }
    if (input.description !== undefined) set.description = input.description;
    if (input.role_type !== undefined) set.role_type = input.role_type;
    if (input.configuration !== undefined) {
      set.configuration = JSON.stringify({
        ...parseJson<Record<string, unknown>>(role.configuration, {}),
        ...writableConfiguration(input.configuration),
      });
    }
    return trx
      .updateTable('custom_roles')
      .set(set)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** A role still held by agents cannot go: they would silently fall back to another access level. */
export async function deleteCustomRole(db: Conn, actor: Actor, id: number): Promise<void> {
  await authorize(db, actor, 'custom-role:manage');
  await transaction(db, async (trx) => {
    await getCustomRole(trx, id);
    const held = (await teamMemberCounts(trx, [id])).get(id) ?? 0;
    if (held > 0) {
      throw ValidationError.field(
        'base',
        `Custom role: cannot be deleted while ${held} team member${held === 1 ? ' has' : 's have'} it`,
        'InvalidValue',
      );
    }
    await trx.deleteFrom('custom_roles').where('id', '=', id).execute();
  });
}

/**
 * Whether a user holds a permission: admins hold every one; agents hold what their custom
 * role's configuration grants; end users and agents without a custom role hold none.
 */
export async function hasPermission(
  db: Conn,
  user: Pick<User, 'role' | 'custom_role_id'>,
  key: PermissionKey,
): Promise<boolean> {
  return holds(await grantsOfUser(db, user), key);
}
