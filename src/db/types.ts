import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Row types of every table. Booleans are 0/1, times ISO-8601 UTC text, lists JSON text. */

type Flag = number;

export interface BrandsTable {
  id: Generated<number>;
  name: string;
  subdomain: string;
  is_default: Generated<Flag>;
  active: Generated<Flag>;
  created_at: string;
  updated_at: string;
}

export interface CustomRolesTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  role_type: Generated<number>;
  configuration: Generated<string>;
  created_at: string;
  updated_at: string;
}

export interface GroupsTable {
  id: Generated<number>;
  name: string;
  description: Generated<string>;
  is_default: Generated<Flag>;
  is_public: Generated<Flag>;
  deleted: Generated<Flag>;
  created_at: string;
  updated_at: string;
}

export interface OrganizationsTable {
  id: Generated<number>;
  name: string;
  name_key: string;
  external_id: string | null;
  details: string | null;
  notes: string | null;
  group_id: number | null;
  shared_tickets: Generated<Flag>;
  shared_comments: Generated<Flag>;
  domain_names: Generated<string>;
  tags: Generated<string>;
  organization_fields: Generated<string>;
  created_at: string;
  updated_at: string;
}

export interface OrganizationDomainsTable {
  domain: string;
  organization_id: number;
}

export type Role = 'end-user' | 'agent' | 'admin';

export interface UsersTable {
  id: Generated<number>;
  name: string;
  email: string | null;
  role: Generated<Role>;
  custom_role_id: number | null;
  organization_id: number | null;
  default_group_id: number | null;
  external_id: string | null;
  alias: string | null;
  details: string | null;
  notes: string | null;
  phone: string | null;
  locale: Generated<string>;
  time_zone: string | null;
  photo_url: string | null;
  signature: string | null;
  verified: Generated<Flag>;
  suspended: Generated<Flag>;
  active: Generated<Flag>;
  shared: Generated<Flag>;
  tags: Generated<string>;
  user_fields: Generated<string>;
  password_hash: string | null;
  merged_into_id: number | null;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface UserIdentitiesTable {
  id: Generated<number>;
  user_id: number;
  type: string;
  value: string;
  is_primary: Generated<Flag>;
  verified: Generated<Flag>;
  created_at: string;
  updated_at: string;
}

export interface GroupMembershipsTable {
  id: Generated<number>;
  user_id: number;
  group_id: number;
  is_default: Generated<Flag>;
  created_at: string;
  updated_at: string;
}

export type TicketStatus = 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export type TicketType = 'question' | 'incident' | 'problem' | 'task';

export interface TicketsTable {
  id: Generated<number>;
  external_id: string | null;
  type: TicketType | null;
  subject: string | null;
  description: Generated<string>;
  status: Generated<TicketStatus>;
  priority: TicketPriority | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  group_id: number | null;
  organization_id: number | null;
  brand_id: number;
  via_channel: string;
  via_source: Generated<string>;
  from_messaging_channel: Generated<Flag>;
  followup_source_id: number | null;
  is_public: Generated<Flag>;
  /** Whether the first comment, which `description` repeats, is public (migration 0009). */
  description_public: Generated<Flag>;
  /** The address the ticket was sent to (Zendesk's `recipient`). */
  recipient: string | null;
  due_at: string | null;
  tags: Generated<string>;
  created_at: string;
  updated_at: string;
  status_updated_at: string;
  initially_assigned_at: string | null;
  assigned_at: string | null;
  requester_updated_at: string | null;
  assignee_updated_at: string | null;
  agent_updated_at: string | null;
  latest_comment_added_at: string | null;
  first_solved_at: string | null;
  solved_at: string | null;
  closed_at: string | null;
  deleted_at: string | null;
  /** Raised by every change to what the API shows of the ticket (migration 0005). */
  version: Generated<number>;
  /** Times the ticket left solved for an unsolved status (migration 0016; `reopens`). */
  reopens: Generated<number>;
  /** Public comments agents added after the first (migration 0016; `replies`). */
  agent_replies: Generated<number>;
}

export interface TicketTagsTable {
  ticket_id: number;
  tag: string;
}

export interface AuditsTable {
  id: Generated<number>;
  ticket_id: number;
  author_id: number;
  via_channel: string;
  via_source: Generated<string>;
  metadata: Generated<string>;
  created_at: string;
}

export interface CommentsTable {
  id: Generated<number>;
  ticket_id: number;
  audit_id: number;
  author_id: number;
  public: Flag;
  body: string;
  html_body: string;
  plain_body: string;
  via_channel: string;
  via_source: Generated<string>;
  metadata: Generated<string>;
  created_at: string;
  delivery_status: string | null;
  delivery_error: string | null;
  deleted_at: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  audit_id: number;
  ticket_id: number;
  type: string;
  field_name: string | null;
  value: string | null;
  previous_value: string | null;
  comment_id: number | null;
  data: Generated<string>;
  /** JSON `via` of an event a rule made (migration 0016); null: the audit's via. */
  via: string | null;
}

export interface AttachmentsTable {
  id: Generated<number>;
  upload_token: string | null;
  comment_id: number | null;
  ticket_id: number | null;
  uploader_id: number | null;
  file_name: string;
  content_type: string;
  size: number;
  sha256: string;
  blob_key: string;
  inline: Generated<Flag>;
  created_at: string;
  /** While an upload waits for a comment: when its token expires (0014). Null once attached. */
  upload_expires_at: string | null;
}

export interface BlobsTable {
  key: string;
  data: Buffer;
  /** When the bytes were last stored (a put of the same bytes renews it): see sweep-uploads. */
  created_at: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  description: string;
  token_hash: string;
  token_hint: string;
  created_by_id: number | null;
  active: Generated<Flag>;
  created_at: string;
  last_used_at: string | null;
}

export interface SessionsTable {
  token_hash: string;
  user_id: number;
  created_at: string;
  expires_at: string;
  /** Moved forward at most once a minute while the session is used (null: never since 0011). */
  last_seen_at: string | null;
}

export interface SetupCodesTable {
  code_hash: string;
  created_at: string;
  expires_at: string;
}

/** Failed password sign-ins in the current window of one account or client address. */
export interface SignInThrottlesTable {
  key: string;
  failures: number;
  window_ends_at: string;
}

/** Public-door requests per key and fixed window, shared by every node (0028). */
export interface RateLimitWindowsTable {
  key: string;
  /** ISO time the window began. */
  window_start: string;
  hits: number;
  window_ends_at: string;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface SlackAppsTable {
  id: Generated<number>;
  name: string;
  source: 'env' | 'sandbox' | 'api';
  client_id: string;
  client_secret_enc: string;
  signing_secret_enc: string;
  app_token_enc: string | null;
  created_at: string;
  updated_at: string;
}

export type SlackConnectionMode = 'bot' | 'account';
export type SlackConnectionStatus = 'pending' | 'active' | 'disconnected';

export interface SlackConnectionsTable {
  id: Generated<number>;
  name: string;
  brand_id: number;
  app_id: number;
  mode: SlackConnectionMode;
  status: SlackConnectionStatus;
  status_reason: string | null;
  team_id: string | null;
  team_name: string | null;
  enterprise_id: string | null;
  slack_app_id: string | null;
  identity_user_id: string | null;
  bot_id: string | null;
  token_enc: string | null;
  scopes: string | null;
  attachments_enabled: Generated<Flag>;
  allowed_file_types: Generated<string>;
  installed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface SlackOauthStatesTable {
  state_hash: string;
  connection_id: number;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  /** The admin who started the install (null for Parley's own sandbox install at start). */
  user_id: number | null;
  /** How the install was started; null only on states from before 0012 (refused). */
  bound_to: 'session' | 'api' | 'system' | null;
  /** sha256 of the session token or API token the install was started with. */
  credential_hash: string | null;
  reauthorize: Generated<number>;
}

export interface SlackInboxTable {
  id: Generated<number>;
  event_id: string;
  app_id: number | null;
  team_id: string | null;
  conversation_key: string | null;
  payload: string;
  received_at: string;
  processed_at: string | null;
  attempts: Generated<number>;
  next_attempt_at: string | null;
  /** Set at the first failure: the event is retried until then, then given up or applied. */
  retry_until: string | null;
  /** The event was given up; it can be replayed (see the Slack events admin API). */
  failed_at: string | null;
  last_error: string | null;
  outcome: string | null;
}

export interface SlackConversationsTable {
  id: Generated<number>;
  connection_id: number;
  channel_id: string;
  slack_user_id: string;
  user_id: number;
  current_ticket_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface SlackConversationTicketsTable {
  ticket_id: number;
  conversation_id: number;
}

export interface SlackMessagesTable {
  id: Generated<number>;
  conversation_id: number;
  ts: string;
  direction: 'in' | 'out' | 'hint';
  comment_id: number | null;
  thread_ts: string | null;
  created_at: string;
}

export interface JobsTable {
  id: Generated<number>;
  queue: string;
  order_key: string;
  dedupe_key: string | null;
  payload: string;
  status: Generated<'pending' | 'running' | 'done' | 'failed'>;
  attempts: Generated<number>;
  run_at: string;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface JobPacesTable {
  key: string;
  /** ISO time: the key's theoretical arrival time (see jobs/pace.ts). */
  tat: string;
}

export interface ScheduledTasksTable {
  name: string;
  next_run_at: string;
  locked_by: string | null;
  locked_until: string | null;
  last_started_at: string | null;
  last_finished_at: string | null;
  last_error: string | null;
}

/** A trigger (0015): conditions and actions are the rules model's JSON text. */
export interface TriggersTable {
  id: Generated<number>;
  title: string;
  raw_title: string;
  description: string | null;
  active: Generated<Flag>;
  is_default: Generated<Flag>;
  position: number;
  category_id: number | null;
  conditions: string;
  actions: string;
  created_at: string;
  updated_at: string;
}

/** A version per kind of rule, raised by each change of them (migration 0016). */
export interface RuleVersionsTable {
  name: string;
  version: number;
}

/** A view (migration 0017): shared, personal (`user_id`) or for groups (`view_groups`). */
export interface ViewsTable {
  id: Generated<number>;
  title: string;
  description: string | null;
  active: Generated<Flag>;
  is_default: Generated<Flag>;
  position: number;
  user_id: number | null;
  /** `{all, any}` as the rules model parsed it. */
  conditions: string;
  /** `{columns, group_by, group_order, sort_by, sort_order}` (Zendesk's `output`). */
  output: string;
  created_at: string;
  updated_at: string;
}

export interface ViewGroupsTable {
  view_id: number;
  group_id: number;
}

export interface TriggerCategoriesTable {
  id: Generated<number>;
  name: string;
  position: number;
  created_at: string;
  updated_at: string;
}

/** An automation (0018): conditions and actions are the rules model's JSON text. */
export interface AutomationsTable {
  id: Generated<number>;
  title: string;
  raw_title: string;
  active: Generated<Flag>;
  is_default: Generated<Flag>;
  /** A standard automation Parley relies on ('close_solved'); null for the others. */
  system_key: string | null;
  position: number;
  conditions: string;
  actions: string;
  created_at: string;
  updated_at: string;
}

/** What one automation did to one ticket (0018): how often, and when last. */
export interface AutomationFiringsTable {
  automation_id: number;
  ticket_id: number;
  count: number;
  last_fired_at: string;
}

/** A macro (0019): `restriction_type` null (shared), 'User' (owner_id) or 'Group' (macro_groups). */
export interface MacrosTable {
  id: Generated<number>;
  title: string;
  description: string | null;
  active: Generated<Flag>;
  is_default: Generated<Flag>;
  position: number;
  restriction_type: 'User' | 'Group' | null;
  owner_id: number | null;
  actions: string;
  created_at: string;
  updated_at: string;
}

export interface MacroGroupsTable {
  macro_id: number;
  group_id: number;
}

/** One use of a macro on a ticket update (0019). */
export interface MacroUsagesTable {
  id: Generated<number>;
  macro_id: number;
  ticket_id: number;
  user_id: number;
  used_at: string;
}

/** A webhook (0020): `*_sealed` columns are secret-box ciphertext, never shown. */
export interface WebhooksTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  status: 'active' | 'inactive';
  endpoint: string;
  http_method: string;
  request_format: string;
  /** JSON array of Zendesk's subscription names. */
  subscriptions: string;
  auth_type: string | null;
  auth_add_position: string | null;
  /** The authentication's data (JSON), sealed. */
  auth_data_sealed: string | null;
  /** JSON object of header name to value. */
  custom_headers: string;
  signing_secret_sealed: string;
  created_by: number | null;
  updated_by: number | null;
  created_at: string;
  updated_at: string;
}

/** One call a rule asked of a webhook, with its outcome once known. */
export interface WebhookInvocationsTable {
  id: Generated<number>;
  webhook_id: number;
  ticket_id: number | null;
  rule_kind: string | null;
  rule_id: number | null;
  rule_title: string | null;
  /** in_progress, success, failed, skipped (the webhook was inactive). */
  status: string;
  status_code: number | null;
  error: string | null;
  created_at: string;
  completed_at: string | null;
}

export interface WebhookInvocationAttemptsTable {
  id: Generated<number>;
  invocation_id: number;
  attempt: number;
  /** success, failed */
  status: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  completed_at: string;
}

/** An in-app notification (0021): a rule's notification, as its recipient reads it. */
export interface NotificationsTable {
  id: Generated<number>;
  user_id: number;
  ticket_id: number | null;
  /** The rule that sent it ('trigger' | 'automation'), null for Parley's own notices. */
  rule_kind: string | null;
  rule_id: number | null;
  rule_title: string | null;
  subject: string;
  body: string;
  dedupe_key: string | null;
  read_at: string | null;
  created_at: string;
}

/**
 * Live tickets per status and `from_messaging_channel`, kept by triggers (migration 0024);
 * PostgreSQL spreads each pair over shards, SQLite keeps shard 0 only.
 */
export interface TicketStatusCountsTable {
  status: string;
  from_messaging_channel: number;
  shard: number;
  live: number | string;
}

/**
 * Tickets per tag and `from_messaging_channel`, kept by triggers on ticket_tags (migration
 * 0027); PostgreSQL spreads each pair over shards, SQLite keeps shard 0 only.
 */
export interface TagCountsTable {
  tag: string;
  from_messaging_channel: number;
  shard: number;
  tickets: number | string;
}

/** The realtime stream's durable log (migration 0023): see src/realtime/. */
export interface StreamEventsTable {
  id: Generated<number>;
  kind: string;
  ticket_id: number | null;
  /** JSON: what the client is sent, and who may be sent it. */
  payload: string;
  created_at: string;
}

/**
 * Search documents (migration 0022), written and read only by raw SQL in search-documents.ts
 * and the search's conditions, because the two databases hold them differently: on PostgreSQL
 * these rows (a tsvector per ticket or user); on SQLite contentless FTS5 tables keyed by rowid
 * (ticket_search: subject, description, comments, people; user_search: name, email, other).
 */
export interface TicketSearchTable {
  ticket_id: number;
  document: string;
}

export interface UserSearchTable {
  user_id: number;
  document: string;
}

export interface DB {
  brands: BrandsTable;
  custom_roles: CustomRolesTable;
  groups: GroupsTable;
  organizations: OrganizationsTable;
  organization_domains: OrganizationDomainsTable;
  users: UsersTable;
  user_identities: UserIdentitiesTable;
  group_memberships: GroupMembershipsTable;
  tickets: TicketsTable;
  ticket_tags: TicketTagsTable;
  audits: AuditsTable;
  comments: CommentsTable;
  audit_events: AuditEventsTable;
  attachments: AttachmentsTable;
  blobs: BlobsTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  setup_codes: SetupCodesTable;
  sign_in_throttles: SignInThrottlesTable;
  rate_limit_windows: RateLimitWindowsTable;
  settings: SettingsTable;
  slack_apps: SlackAppsTable;
  slack_connections: SlackConnectionsTable;
  slack_oauth_states: SlackOauthStatesTable;
  slack_inbox: SlackInboxTable;
  slack_conversations: SlackConversationsTable;
  slack_conversation_tickets: SlackConversationTicketsTable;
  slack_messages: SlackMessagesTable;
  jobs: JobsTable;
  job_paces: JobPacesTable;
  scheduled_tasks: ScheduledTasksTable;
  triggers: TriggersTable;
  trigger_categories: TriggerCategoriesTable;
  rule_versions: RuleVersionsTable;
  automations: AutomationsTable;
  automation_firings: AutomationFiringsTable;
  macros: MacrosTable;
  macro_groups: MacroGroupsTable;
  macro_usages: MacroUsagesTable;
  webhooks: WebhooksTable;
  webhook_invocations: WebhookInvocationsTable;
  webhook_invocation_attempts: WebhookInvocationAttemptsTable;
  views: ViewsTable;
  view_groups: ViewGroupsTable;
  notifications: NotificationsTable;
  ticket_status_counts: TicketStatusCountsTable;
  tag_counts: TagCountsTable;
  stream_events: StreamEventsTable;
  ticket_search: TicketSearchTable;
  user_search: UserSearchTable;
}

export type Brand = Selectable<BrandsTable>;
export type Trigger = Selectable<TriggersTable>;
export type View = Selectable<ViewsTable>;
export type Notification = Selectable<NotificationsTable>;
export type StreamEvent = Selectable<StreamEventsTable>;
export type TriggerCategory = Selectable<TriggerCategoriesTable>;
export type Automation = Selectable<AutomationsTable>;
export type Macro = Selectable<MacrosTable>;
export type Webhook = Selectable<WebhooksTable>;
export type WebhookInvocation = Selectable<WebhookInvocationsTable>;
export type WebhookInvocationAttempt = Selectable<WebhookInvocationAttemptsTable>;
export type CustomRole = Selectable<CustomRolesTable>;
export type Group = Selectable<GroupsTable>;
export type Organization = Selectable<OrganizationsTable>;
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type UserIdentity = Selectable<UserIdentitiesTable>;
export type GroupMembership = Selectable<GroupMembershipsTable>;
export type Ticket = Selectable<TicketsTable>;
export type TicketUpdate = Updateable<TicketsTable>;
export type Audit = Selectable<AuditsTable>;
export type Comment = Selectable<CommentsTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
export type Attachment = Selectable<AttachmentsTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type SlackApp = Selectable<SlackAppsTable>;
export type SlackConnection = Selectable<SlackConnectionsTable>;
export type SlackConversation = Selectable<SlackConversationsTable>;
export type SlackInboxRow = Selectable<SlackInboxTable>;
export type Job = Selectable<JobsTable>;
