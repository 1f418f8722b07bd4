import type { Kysely } from 'kysely';

/**
 * The default views' titles become Zendesk's `{{zd.…}}` placeholders, rendered in each agent's
 * language when read (src/rules/view-titles.ts). Only a default view still carrying its
 * English title changes: one an admin renamed keeps the admin's words.
 */
// Written out, not imported: a migration must keep meaning what it meant when it shipped.
const DEFAULT_VIEW_TITLES = [
  ['{{zd.your_unsolved_tickets}}', 'Your unsolved tickets'],
  ['{{zd.unassigned_tickets}}', 'Unassigned tickets'],
  ['{{zd.all_unsolved_tickets}}', 'All unsolved tickets'],
  ['{{zd.recently_updated_tickets}}', 'Recently updated tickets'],
  ['{{zd.recently_solved_tickets}}', 'Recently solved tickets'],
  ['{{zd.pending_tickets}}', 'Pending tickets'],
  ['{{zd.slack_conversations}}', 'Slack conversations'],
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const [placeholder, english] of DEFAULT_VIEW_TITLES) {
    await db
      .updateTable('views')
      .set({ title: placeholder })
      .where('is_default', '=', 1)
      .where('title', '=', english)
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [placeholder, english] of DEFAULT_VIEW_TITLES) {
    await db
      .updateTable('views')
      .set({ title: english })
      .where('title', '=', placeholder)
      .execute();
  }
}
