import type { Conn } from './context.ts';

/**
 * How messaging channels learn of new comments without the desk knowing them: a channel
 * registers a hook, and every comment write calls it inside the same transaction, so a
 * channel's outbox row commits (or rolls back) with the comment itself.
 */
export interface CommentWritten {
  ticketId: number;
  commentId: number;
  public: boolean;
  authorIsAgent: boolean;
  /** The comment is the first of a ticket created by this same write. */
  ticketCreated: boolean;
}

export type CommentHook = (trx: Conn, comment: CommentWritten) => Promise<void>;

const hooks = new Set<CommentHook>();

export function registerCommentHook(hook: CommentHook): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

export async function runCommentHooks(trx: Conn, comment: CommentWritten): Promise<void> {
  for (const hook of hooks) await hook(trx, comment);
}
