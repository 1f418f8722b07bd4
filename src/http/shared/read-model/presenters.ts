import type {
  Attachment,
  AuditEvent,
  Brand,
  Comment,
  CustomRole,
  Group,
  GroupMembership,
  Organization,
  User,
  UserIdentity,
} from '../../../db/types.ts';
import { isAgent } from '../../../desk/context.ts';
import type { ApiTokenInfo } from '../../../desk/api-tokens.ts';
import { parseJson, presentTime as t } from '../../../desk/time.ts';

/** Zendesk's JSON shapes. Presenters are pure: rows in, API objects out. */

const apiUrl = (base: string, path: string) => `${base}/api/v2/${path}.json`;
const bool = (v: number) => v === 1;

function presentVia(channel: string, source: string) {
  return { channel, source: parseJson(source, { from: {}, to: {}, rel: null }) };
}

export function presentAttachment(row: Attachment, base: string) {
  return {
    url: apiUrl(base, `attachments/${row.id}`),
    id: row.id,
    file_name: row.file_name,
    content_url: `${base}/api/v2/attachments/${row.id}/content`,
    mapped_content_url: `${base}/api/v2/attachments/${row.id}/content`,
    content_type: row.content_type,
    size: row.size,
    sha256: row.sha256,
    inline: bool(row.inline),
    deleted: false,
    thumbnails: [],
  };
}

export function presentComment(row: Comment, attachments: Attachment[], base: string) {
  return {
    id: row.id,
    type: 'Comment',
    author_id: row.author_id,
    body: row.body,
    html_body: row.html_body,
    plain_body: row.plain_body,
    public: bool(row.public),
    attachments: attachments.map((a) => presentAttachment(a, base)),
    audit_id: row.audit_id,
    via: presentVia(row.via_channel, row.via_source),
    metadata: parseJson(row.metadata, { system: {}, custom: {} }),
    created_at: t(row.created_at),
    // Where a messaging channel carries the reply: pending, sending, delivered or failed.
    ...(row.delivery_status
      ? { delivery: { status: row.delivery_status, error: row.delivery_error } }
      : {}),
    ...(row.deleted_at ? { deleted: true, deleted_at: t(row.deleted_at) } : {}),
  };
}

/** An event a rule made shows the rule's via (Zendesk's per-event `via`); others have none. */
function eventVia(e: AuditEvent): { via?: unknown } {
  return e.via ? { via: parseJson<unknown>(e.via, null) } : {};
}

export function presentAuditEvent(
  e: AuditEvent,
  comment: ReturnType<typeof presentComment> | undefined,
) {
  switch (e.type) {
    case 'Comment':
      return comment
        ? {
            id: e.id,
            type: 'Comment',
            author_id: comment.author_id,
            body: comment.body,
            html_body: comment.html_body,
            plain_body: comment.plain_body,
            public: comment.public,
            attachments: comment.attachments,
            audit_id: comment.audit_id,
          }
        : { id: e.id, type: 'Comment' };
    case 'Create':
      return {
        id: e.id,
        type: 'Create',
        field_name: e.field_name,
        value: parseJson(e.value, null),
        ...eventVia(e),
      };
    case 'Change':
      return {
        id: e.id,
        type: 'Change',
        field_name: e.field_name,
        value: parseJson(e.value, null),
        previous_value: parseJson(e.previous_value, null),
        ...eventVia(e),
      };
    default:
      return { id: e.id, type: e.type, ...parseJson<Record<string, unknown>>(e.data, {}) };
  }
}

export function presentUser(row: User, base: string) {
  return {
    id: row.id,
    url: apiUrl(base, `users/${row.id}`),
    name: row.name,
    email: row.email,
    created_at: t(row.created_at),
    updated_at: t(row.updated_at),
    time_zone: row.time_zone,
    iana_time_zone: row.time_zone,
    phone: row.phone,
    shared_phone_number: null,
    photo: row.photo_url ? { content_url: row.photo_url, content_type: null } : null,
    locale: row.locale,
    locale_id: null,
    organization_id: row.organization_id,
    role: row.role,
    role_type: row.role === 'admin' ? 4 : row.custom_role_id !== null ? 0 : null,
    custom_role_id: row.custom_role_id,
    default_group_id: row.default_group_id,
    verified: bool(row.verified),
    external_id: row.external_id,
    tags: parseJson<string[]>(row.tags, []),
    alias: row.alias,
    active: bool(row.active),
    shared: bool(row.shared),
    shared_agent: false,
    last_login_at: t(row.last_login_at),
    two_factor_auth_enabled: false,
    signature: row.signature,
    details: row.details,
    notes: row.notes,
    moderator: row.role !== 'end-user',
    ticket_restriction: row.role === 'end-user' ? 'requested' : null,
    only_private_comments: false,
    restricted_agent: false,
    suspended: bool(row.suspended),
    user_fields: parseJson<Record<string, unknown>>(row.user_fields, {}),
  };
}

/**
 * A user as `viewer` may see them; every answer that shows a user to whoever asked goes
 * through here. Agents see every field. End users see their own profile without what agents
 * note about them (notes, details, tags), and of anyone else (the agent on their ticket, say)
 * only what a conversation shows: name, photo and role; never an agent's phone, email or notes.
 */
export function presentUserFor(viewer: Pick<User, 'id' | 'role'>, row: User, base: string) {
  const user = presentUser(row, base);
  if (isAgent(viewer)) return user;
  if (viewer.id === row.id) {
    const { notes: _notes, details: _details, tags: _tags, ...own } = user;
    return own;
  }
  return { id: user.id, url: user.url, name: user.name, photo: user.photo, role: user.role };
}

/** An organization as `viewer` may see it: end users never see what agents note about it. */
export function presentOrganizationFor(
  viewer: Pick<User, 'role'>,
  row: Organization,
  base: string,
) {
  const org = presentOrganization(row, base);
  if (isAgent(viewer)) return org;
  const { notes: _notes, details: _details, tags: _tags, ...visible } = org;
  return visible;
}

/** Slack identities are shown as Zendesk's `messaging` type. */
export function presentIdentity(row: UserIdentity, base: string) {
  return {
    url: apiUrl(base, `users/${row.user_id}/identities/${row.id}`),
    id: row.id,
    user_id: row.user_id,
    type: row.type === 'slack' ? 'messaging' : row.type,
    value: row.value,
    verified: bool(row.verified),
    primary: bool(row.is_primary),
    created_at: t(row.created_at),
    updated_at: t(row.updated_at),
    undeliverable_count: 0,
    deliverable_state: row.type === 'email' ? 'deliverable' : null,
  };
}

export function presentOrganization(row: Organization, base: string) {
  return {
    url: apiUrl(base, `organizations/${row.id}`),
    id: row.id,
    name: row.name,
    shared_tickets: bool(row.shared_tickets),
    shared_comments: bool(row.shared_comments),
    external_id: row.external_id,
    created_at: t(row.created_at),
    updated_at: t(row.updated_at),
    domain_names: parseJson<string[]>(row.domain_names, []),
    details: row.details,
    notes: row.notes,
    group_id: row.group_id,
    tags: parseJson<string[]>(row.tags, []),
    organization_fields: parseJson<Record<string, unknown>>(row.organization_fields, {}),
  };
}

export function presentGroup(row: Group, base: string) {
  return {
    url: apiUrl(base, `groups/${row.id}`),
    id: row.id,
    is_public: bool(row.is_public),
    name: row.name,
    description: row.description,
    default: bool(row.is_default),
    deleted: bool(row.deleted),
    created_at: t(row.created_at),
    updated_at: t(row.updated_at),
  };
}

export function presentGroupMembership(row: GroupMembership, base: string) {
  return {
    url: apiUrl(base, `group_memberships/${row.id}`),
    id: row.id,
    user_id: row.user_id,
    group_id: row.group_id,
    default: bool(row.is_default),
    created_at: t(row.created_at),
    updated_at: t(row.updated_at),
  };
}

export function presentBrand(row: Brand, base: string) {
  return {
    url: apiUrl(base, `brands/${row.id}`),
    id: row.id,
    name: row.name,
    brand_url: `${base}`,
    subdomain: row.subdomain,
    host_mapping: null,
    has_help_center: false,
    help_center_state: 'disabled',
    active: bool(row.active),
    default: bool(row.is_default),
    is_deleted: false,
    logo: null,
    ticket_form_ids: [],
    signature_template: '{{agent.signature}}',
    created_at: t(row.created_at),
    updated_at: t(row.updated_at),
  };
}

export function presentCustomRole(row: CustomRole, memberCount: number) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    role_type: row.role_type,
    team_member_count: memberCount,
    configuration: parseJson<Record<string, unknown>>(row.configuration, {}),
    created_at: t(row.created_at),
    updated_at: t(row.updated_at),
  };
}

/** An API token as admins see it: what it is for and its first characters, never the token. */
export function presentApiToken(row: ApiTokenInfo, base: string) {
  return {
    id: row.id,
    url: apiUrl(base, `api_tokens/${row.id}`),
    description: row.description,
    hint: row.token_hint,
    active: bool(row.active),
    created_by_id: row.created_by_id,
    created_at: t(row.created_at),
    last_used_at: t(row.last_used_at),
  };
}
