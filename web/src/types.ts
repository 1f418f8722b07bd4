/** The parts of Parley's (Zendesk's) JSON the app reads. */
export type Role = 'end-user' | 'agent' | 'admin';

export interface User {
  id: number;
  name: string;
  email: string | null;
  role: Role;
}

/** What the workspace may offer the signed-in user beyond their role (GET /api/v2/session). */
export interface Permissions {
  /** Admin → Slack channels: admins, and agents whose custom role manages channels. */
  manage_channels: boolean;
}

export interface SessionInfo {
  user: User;
  /** Absent from a server older than the field: then only the role decides. */
  permissions?: Permissions;
  csrf_token: string;
}

export interface View {
  id: number;
  title: string;
  /** The stored title: a default view's is a `{{zd.…}}` placeholder. */
  raw_title?: string;
  position: number;
}

export interface ViewCount {
  view_id: number;
  value: number;
  pretty: string;
}

export interface Column {
  id: string;
  title: string;
}

export interface TicketSummary {
  id: number;
  subject: string | null;
  status: string;
  requester_id: number | null;
  assignee_id: number | null;
  group_id: number | null;
  updated_at: string;
}

export interface ExecuteResult {
  columns: Column[];
  rows: Array<Record<string, unknown> & { ticket: TicketSummary }>;
  count: number;
  next_page: string | null;
  previous_page: string | null;
}

export interface Ticket extends TicketSummary {
  description: string | null;
  created_at: string;
}

export interface Comment {
  id: number;
  author_id: number;
  body: string;
  public: boolean;
  created_at: string;
}

export interface Group {
  id: number;
  name: string;
}
