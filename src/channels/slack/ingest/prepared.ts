import type { SlackConnection, SlackInboxRow } from '../../../db/types.ts';
import type { Classified, SlackMessage } from '../classify.ts';
import type { RefusedFile } from '../refused-files.ts';
import type { SlackProfile } from '../requesters.ts';
import type { Attempt } from './retries.ts';

/** A file fetched from Slack and kept in the blob store, ready to attach to a comment. */
export interface StoredFile {
  file_name: string;
  content_type: string;
  size: number;
  sha256: string;
  blob_key: string;
}

/** An inbox event with its network work done: the transaction that applies it does no I/O. */
export interface Prepared {
  row: SlackInboxRow;
  attempt: Attempt;
  connections: SlackConnection[];
  classified: Classified;
  profile?: SlackProfile;
  teamName?: string | null;
  names: Map<string, string>;
  files: StoredFile[];
  refused: RefusedFile[];
}

/** The message an event brings, for the events that apply one. */
export function messageOf(p: Prepared): SlackMessage | null {
  const c = p.classified;
  return c.kind === 'message' || c.kind === 'thread_reply' || c.kind === 'edit' ? c.message : null;
}
