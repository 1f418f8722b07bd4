import { searchWords, type TextField, type TextMatch } from './search-text.ts';

/**
 * Zendesk's search syntax, read into terms: free words (all must match), "exact phrases",
 * `keyword:value` with `<`, `>`, `<=`, `>=` where an order exists, and `-` before a word or a
 * keyword to exclude. A keyword Parley does not know is read as text, as Zendesk does.
 */

export type Operator = ':' | '<' | '>' | '<=' | '>=';

export type SearchTerm =
  | ({ kind: 'text'; negated: boolean } & TextMatch)
  | { kind: 'filter'; key: FilterKey; op: Operator; value: string; negated: boolean };

export const FILTER_KEYS = [
  'type',
  'status',
  'priority',
  'ticket_type',
  'assignee',
  'requester',
  'group',
  'organization',
  'tags',
  'created',
  'updated',
  'solved',
  'via',
  'brand',
  'role',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

const TEXT_KEYS: Record<string, TextField> = {
  subject: 'subject',
  description: 'description',
  comment: 'comment',
  name: 'name',
  email: 'email',
};

/** Zendesk's own spellings of the keywords. */
const ALIASES: Record<string, FilterKey> = { tag: 'tags', form: 'ticket_type' };

export type ParseResult = { ok: true; terms: SearchTerm[] } | { ok: false; problem: string };

const KEYWORD = /^([a-z_]+)(<=|>=|:|<|>)(.*)$/s;

/** Splits the query at spaces outside quotes; an unclosed quote is a problem. */
function pieces(query: string): { raw: string; quoted: boolean }[] | string {
  const out: { raw: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < query.length) {
    if (/\s/.test(query[i]!)) {
      i++;
      continue;
    }
    let raw = '';
    let quoted = false;
    while (i < query.length && !/\s/.test(query[i]!)) {
      if (query[i] === '"') {
        const end = query.indexOf('"', i + 1);
        if (end < 0) return `unclosed quote at character ${i + 1}`;
        raw += query.slice(i, end + 1);
        quoted = true;
        i = end + 1;
      } else {
        raw += query[i];
        i++;
      }
    }
    out.push({ raw, quoted });
  }
  return out;
}

const DATE_KEYS = new Set<string>(['created', 'updated', 'solved']);

/** A calendar day (YYYY-MM-DD) or a time ago (`4hours`, `2days`), as Zendesk reads them. */
export const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
export const AGO = /^(\d+)(minute|hour|day|week|month|year)s?$/;

function dateProblem(value: string): string | null {
  const day = DAY.exec(value);
  if (day) {
    const d = new Date(`${value}T00:00:00Z`);
    return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value
      ? `${value} is not a date`
      : null;
  }
  return AGO.test(value)
    ? null
    : `${value} is not a date (YYYY-MM-DD) or a time ago (4hours, 2days)`;
}

const unquote = (s: string) => s.replace(/"/g, '');

export function parseSearchQuery(query: string): ParseResult {
  const split = pieces(query);
  if (typeof split === 'string') return { ok: false, problem: split };
  const terms: SearchTerm[] = [];
  for (const piece of split) {
    let raw = piece.raw;
    const negated = raw.startsWith('-') && raw.length > 1;
    if (negated) raw = raw.slice(1);
    const kw = KEYWORD.exec(raw);
    const name = kw?.[1]?.toLowerCase();
    const key = name
      ? (ALIASES[name] ?? (FILTER_KEYS as readonly string[]).find((k) => k === name))
      : undefined;
    if (kw && key && kw[3] !== '') {
      const problem = DATE_KEYS.has(key) ? dateProblem(unquote(kw[3]!)) : null;
      if (problem) return { ok: false, problem: `${name}: ${problem}` };
      terms.push({
        kind: 'filter',
        key: key as FilterKey,
        op: kw[2] as Operator,
        value: unquote(kw[3]!).trim(),
        negated,
      });
      continue;
    }
    const field = kw && name && kw[2] === ':' ? TEXT_KEYS[name] : undefined;
    const text = field ? kw![3]! : raw;
    const words = searchWords(unquote(text));
    if (words.length === 0) continue;
    terms.push({
      kind: 'text',
      field: field ?? 'any',
      words,
      phrase: text.includes('"') || words.length > 1,
      negated,
    });
  }
  return { ok: true, terms };
}
