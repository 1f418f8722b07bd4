/** The parts of Parley's JSON the properties and requester panels read. */

export interface PanelTicket {
  id: number;
  subject: string | null;
  status: string;
  priority: string | null;
  type: string | null;
  requester_id: number;
  assignee_id: number | null;
  group_id: number | null;
  brand_id: number;
  tags: string[];
  created_at: string;
  updated_at: string;
}

/** What one change from the panel sends: Zendesk's writable ticket fields. */
export interface TicketPatch {
  status?: string;
  priority?: string | null;
  type?: string | null;
  assignee_id?: number | null;
  group_id?: number | null;
  brand_id?: number;
  tags?: string[];
  additional_tags?: string[];
  remove_tags?: string[];
}

export interface PanelUser {
  id: number;
  name: string;
  email: string | null;
  role: 'end-user' | 'agent' | 'admin';
  photo: { content_url: string } | null;
  time_zone: string | null;
  default_group_id: number | null;
}

export interface Brand {
  id: number;
  name: string;
  active: boolean;
}

export interface GroupMembership {
  id: number;
  user_id: number;
  group_id: number;
  default: boolean;
}

/** GET /users/{id}/slack_profiles: what the Slack channel recorded of the person (the server's
 * declaration, imported type-only: nothing of the server is bundled). */
export type { RecordedSlackProfile as SlackProfile } from '../../../../src/channels/slack/profile-json.ts';
