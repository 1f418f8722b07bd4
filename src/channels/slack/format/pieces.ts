/**
 * Markdown output as a list of pieces with literal/raw bookkeeping, shared by every incoming
 * formatter: user text stays literal until the whole message is known and can be escaped.
 */

/** Shared by an italic opener and closer so both can switch from `_` to `*` inside a word. */
export interface EmPair {
  star?: boolean;
}

/**
 * A piece of Markdown output. `raw` pieces are syntax we generated (markers, code, links);
 * literal pieces are user text, escaped at the end once the whole message is known, because
 * whether `2*3*4` or a leading `#` needs escaping depends on its neighbours.
 */
export interface Piece {
  text: string;
  raw: boolean;
  em?: EmPair;
}

export const lit = (text: string): Piece => ({ text, raw: false });
export const raw = (text: string): Piece => ({ text, raw: true });

/** Puts `first` before the first line of `pieces` and `rest` before every later line. */
export function prefixLines(pieces: Piece[], first: string, rest: string): Piece[] {
  const out: Piece[] = [raw(first)];
  for (const p of pieces) {
    if (!p.text.includes('\n')) {
      out.push(p);
      continue;
    }
    const parts = p.text.split('\n');
    parts.forEach((part, i) => {
      if (i > 0) out.push(raw('\n'), raw(rest));
      if (part) out.push({ ...p, text: part });
    });
  }
  return out;
}

/** Removes newlines (and only newlines) at both ends of a piece list. */
export function trimNewlines(pieces: Piece[]): Piece[] {
  const out = pieces.map((p) => ({ ...p }));
  const onlyNewlines = (p: Piece | undefined) => !!p && /^\n*$/.test(p.text) && !p.em;
  while (onlyNewlines(out[0])) out.shift();
  const first = out[0];
  if (first) first.text = first.text.replace(/^\n+/, '');
  while (onlyNewlines(out.at(-1))) out.pop();
  const last = out.at(-1);
  if (last) last.text = last.text.replace(/\n+$/, '');
  return out.filter((p) => p.text !== '' || p.em);
}

export const isBlank = (pieces: Piece[]) => pieces.every((p) => /^\s*$/.test(p.text));
