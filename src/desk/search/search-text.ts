/**
 * Words of a search as the indexes hold them (src/db/search-documents.ts): lower case, split
 * at whatever is not a letter or digit, the same separators PostgreSQL's documents use.
 */
const SEPARATORS = /[^a-z0-9\u00c0-\u1fff\u2070-\uffff]+/u;

export function searchWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(SEPARATORS)
    .filter((w) => w.length > 0);
}

/**
 * The stem a free word is matched by as a prefix. Neither index stems (one language's stemmer
 * would mangle the other's words), so a word loses what English and Italian inflect at its end
 * — a plural `s`, then one final vowel — and matches every word starting with what is left:
 * "printers" and "printer" both become printer*, "stampante" and "stampanti" both stampant*.
 * Short words stay whole, so "vpn" or "mac" do not widen to everything starting with "v" or "ma".
 */
export function stemOf(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  if (w.length > 4 && /[aeiouàèéìòù]$/u.test(w)) w = w.slice(0, -1);
  return w;
}

/** One text condition: a phrase's words must follow each other; a free word is a prefix. */
export interface TextMatch {
  /** Which part of the document (search-documents.ts), or every part. */
  field: TextField;
  words: string[];
  phrase: boolean;
  /**
   * SQLite: for each free word, the whole words of the ticket index its stem stands for, when
   * they were looked up (ticket-search.ts, expandPrefixes); FTS5 then seeks those words rather
   * than merging every word of the prefix on each query.
   */
  expansions?: (readonly string[] | null)[];
}

export type TextField = 'any' | 'subject' | 'description' | 'comment' | 'name' | 'email';

const FTS_COLUMNS: Record<TextField, string> = {
  any: '',
  subject: '{subject} : ',
  description: '{description} : ',
  comment: '{description comments} : ',
  name: '{name} : ',
  email: '{email other} : ',
};

/** A free word as a prefix, or as the whole words it stands for (at least one). */
function freeWord(word: string, expansion: readonly string[] | null | undefined): string {
  if (!expansion || expansion.length === 0) return `"${stemOf(word)}"*`;
  return `(${expansion.map((t) => `"${t}"`).join(' OR ')})`;
}

/** Words are letters and digits only (searchWords), so quoting cannot be escaped from. */
export function fts5Expression(matches: readonly TextMatch[]): string {
  return matches
    .map((m) => {
      const body = m.phrase
        ? `"${m.words.join(' ')}"`
        : m.words.map((w, i) => freeWord(w, m.expansions?.[i])).join(' AND ');
      return `${FTS_COLUMNS[m.field]}(${body})`;
    })
    .join(' AND ');
}

const PG_WEIGHTS: Record<TextField, string> = {
  any: '',
  subject: 'A',
  description: 'B',
  comment: 'BC',
  name: 'A',
  email: 'BC',
};

/** A to_tsquery text: phrases as `a <-> b`, free words as weighted prefixes. */
export function tsqueryExpression(matches: readonly TextMatch[]): string {
  return matches
    .map((m) => {
      const weight = PG_WEIGHTS[m.field];
      if (m.phrase) {
        const tail = weight ? `:${weight}` : '';
        return `(${m.words.map((w) => `${w}${tail}`).join(' <-> ')})`;
      }
      return m.words.map((w) => `${stemOf(w)}:*${weight}`).join(' & ');
    })
    .join(' & ');
}
