import type { TicketPriority, TicketStatus, TicketType } from '../../db/types.ts';
import type { Via } from '../via.ts';

/** What a create or update asks to change on a ticket (Zendesk's ticket fields). */
export interface TicketPatch {
  subject?: string | null;
  status?: TicketStatus;
  priority?: TicketPriority | null;
  type?: TicketType | null;
  requester_id?: number;
  submitter_id?: number;
  assignee_id?: number | null;
  group_id?: number | null;
  organization_id?: number | null;
  brand_id?: number;
  tags?: string[];
  additional_tags?: string[];
  remove_tags?: string[];
  external_id?: string | null;
  due_at?: string | null;
  /** The address the ticket was sent to. */
  recipient?: string | null;
  /** Write-only: the assignee by email (resolveAssigneeEmail turns it into assignee_id). */
  assignee_email?: string | null;
}

export interface CommentInput {
  body?: string;
  html_body?: string;
  public?: boolean;
  author_id?: number;
  uploads?: string[];
  /** Files already in the blob store (a channel's incoming files), attached to this comment. */
  files?: {
    file_name: string;
    content_type: string;
    size: number;
    sha256: string;
    blob_key: string;
  }[];
  /** The comment's own via, when it differs from the update's (a Slack message). */
  via?: Via;
  metadata?: Record<string, unknown>;
}
