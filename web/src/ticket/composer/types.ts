/** The parts of Parley's JSON the composer reads (declared here: web/src/types.ts is shared). */

/** A ticket as GET /tickets/{id} returns it: what the composer needs of it. */
export interface ComposerTicket {
  id: number;
  status: string;
  updated_at: string;
  requester_id: number | null;
  subject?: string | null;
  priority?: string | null;
  type?: string | null;
  group_id?: number | null;
  assignee_id?: number | null;
  tags?: string[];
  from_messaging_channel?: boolean;
  via?: { channel: string };
}

/** The ticket fields a macro may change, staged until the reply is submitted. */
export interface StagedChanges {
  subject?: string | null;
  status?: string;
  priority?: string | null;
  type?: string | null;
  group_id?: number | null;
  assignee_id?: number | null;
  tags?: string[];
}

export const STAGED_FIELDS = [
  'status',
  'priority',
  'type',
  'group_id',
  'assignee_id',
  'tags',
  'subject',
] as const satisfies readonly (keyof StagedChanges)[];

export interface Attachment {
  id: number;
  file_name: string;
  content_type: string;
  size: number;
}

/** An uploaded file waiting to be attached: one upload token per file, so each can go alone. */
export interface UploadedFile {
  token: string;
  name: string;
  size: number;
  attachmentId: number;
}

export interface Macro {
  id: number;
  title: string;
  description: string | null;
  active: boolean;
}

export interface MacroApplyResult {
  result: {
    ticket: ComposerTicket;
    comment?: { body: string; html_body: string; public: boolean };
  };
}

export interface AuditEvent {
  id: number;
  type: string;
  field_name?: string;
  value?: unknown;
  previous_value?: unknown;
  public?: boolean;
}

export interface Audit {
  id: number;
  author_id: number;
  created_at: string;
  events: AuditEvent[];
}
