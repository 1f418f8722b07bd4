/**
 * The default views' titles in the agent's language. As Zendesk does, a default view's stored
 * title is a `{{zd.…}}` placeholder (its `raw_title`), rendered in the reader's locale; an admin
 * who renames the view replaces the placeholder with their own words, shown as written.
 */
const TITLES: Record<string, { en: string; it: string }> = {
  your_unsolved_tickets: { en: 'Your unsolved tickets', it: 'I tuoi ticket non risolti' },
  unassigned_tickets: { en: 'Unassigned tickets', it: 'Ticket non assegnati' },
  all_unsolved_tickets: { en: 'All unsolved tickets', it: 'Tutti i ticket non risolti' },
  recently_updated_tickets: { en: 'Recently updated tickets', it: 'Ticket aggiornati di recente' },
  recently_solved_tickets: { en: 'Recently solved tickets', it: 'Ticket risolti di recente' },
  pending_tickets: { en: 'Pending tickets', it: 'Ticket in attesa' },
  slack_conversations: { en: 'Slack conversations', it: 'Conversazioni Slack' },
};

const PLACEHOLDER = /^\{\{zd\.([a-z_]+)\}\}$/;

/** The title to show a reader whose locale is `locale` (e.g. "it", "it-IT", "en-US"). */
export function renderViewTitle(raw: string, locale: string): string {
  const key = PLACEHOLDER.exec(raw.trim())?.[1];
  const text = key ? TITLES[key] : undefined;
  if (!text) return raw;
  return locale.toLowerCase().startsWith('it') ? text.it : text.en;
}

/** The placeholders whose title, in any language, contains `text`: a search for "unsolved"
 * or "non risolti" finds the default views whose stored title is a placeholder. */
export function placeholdersContaining(text: string): string[] {
  const needle = text.toLowerCase();
  return Object.entries(TITLES)
    .filter(([, t]) => t.en.toLowerCase().includes(needle) || t.it.toLowerCase().includes(needle))
    .map(([key]) => `{{zd.${key}}}`);
}
