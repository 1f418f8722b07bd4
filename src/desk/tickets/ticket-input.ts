import type { Via } from '../via.ts';

// Described, with every other ticket field, in ticket-fields.ts.
export type { TicketPatch } from './ticket-fields.ts';

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
