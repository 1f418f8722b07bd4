/** The parts of Parley's JSON the conversation page reads (declared here, beside their use). */

export interface Via {
  channel: string;
  source: {
    from?: { name?: string; title?: string; id?: number; slack_user_id?: string };
    to?: { name?: string; slack_connection_id?: number };
    rel?: string | null;
  };
}

export interface TicketJson {
  id: number;
  subject: string | null;
  status: string;
  requester_id: number | null;
  via: Via;
  created_at: string;
  updated_at: string;
}

export interface AttachmentJson {
  id: number;
  file_name: string;
  content_type: string | null;
  size: number;
}

export interface CommentJson {
  id: number;
  /** Set by the conversation endpoint (the ticket of the DM it belongs to). */
  ticket_id?: number;
  author_id: number;
  body: string;
  html_body: string;
  public: boolean;
  /** The audit that added it: ties a comment to the changes written with it. */
  audit_id: number;
  attachments: AttachmentJson[];
  via: Via;
  created_at: string;
  delivery?: { status: 'pending' | 'sending' | 'delivered' | 'failed'; error: string | null };
  deleted?: boolean;
}

export interface ConversationJson {
  connection: { id: number; name: string; team_id: string | null; team_name: string | null };
  tickets: { id: number; status: string; subject: string | null; created_at: string }[];
  comments: (CommentJson & { ticket_id: number })[];
}

export interface AuditEventJson {
  id: number;
  type: string;
  field_name?: string;
  value?: unknown;
  previous_value?: unknown;
  via?: Via;
  action?: string;
  comment_id?: number;
  previous_body?: string;
}

export interface AuditJson {
  id: number;
  ticket_id: number;
  created_at: string;
  author_id: number;
  via: Via;
  events: AuditEventJson[];
}

/** A user as the conversation shows them (the API sends agents every field). */
export interface PersonJson {
  id: number;
  name: string;
  role: 'end-user' | 'agent' | 'admin';
  photo: { content_url: string } | null;
  time_zone: string | null;
  shared: boolean;
  organization_id: number | null;
  user_fields: Record<string, unknown>;
}

export interface OrganizationJson {
  id: number;
  name: string;
}
