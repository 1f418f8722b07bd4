/** Joins pieces into Markdown, escaping literal text only where Markdown would misread it. */
import type { EmPair, Piece } from './pieces.ts';

/** Text that may precede a block-level marker on a line: indentation, `>`, list markers. */
const BLOCK_PREFIX = /^[ \t]*(?:(?:>|[-*+]|\d{1,9}[.)])[ \t]*)*$/;
const MAX_BLOCK_PREFIX = 100;
const ASCII_PUNCT = /[!-/:-@[-`{-~]/;
const ALNUM = /[\p{L}\p{N}]/u;
const BARE_URL = /\b(?:https?|ftp):\/\/[^\s<>]+|\bwww\.[^\s<>]+/gi;

/** Joins the pieces into Markdown, escaping literal text only where Markdown would misread it. */
export function finishMarkdown(pieces: Piece[]): string {
  // Italic markers next to a letter or digit must be `*`: `_` does not work inside words.
  const offsets: number[] = [];
  let total = '';
  for (const p of pieces) {
    offsets.push(total.length);
    total += p.text;
  }
  const pairs = new Map<EmPair, number[]>();
  pieces.forEach((p, i) => {
    if (p.em) pairs.set(p.em, [...(pairs.get(p.em) ?? []), i]);
  });
  for (const [pair, [open, close]] of pairs) {
    if (open === undefined || close === undefined) continue;
    // `offsets` holds one start per piece, so both indices are in range.
    const before = total[offsets[open]! - 1] ?? '';
    const after = total[offsets[close]! + pieces[close]!.text.length] ?? '';
    if (ALNUM.test(before) || ALNUM.test(after)) pair.star = true;
  }

  let s = '';
  const literal: boolean[] = [];
  for (const p of pieces) {
    const text = p.em?.star ? '*' : p.text;
    s += text;
    for (let i = 0; i < text.length; i++) literal.push(!p.raw);
  }
  return escapeLiterals(s, literal)
    .split('\n')
    .map((line) => (/^[ \t>]*$/.test(line) ? line.trimEnd() : line))
    .join('\n')
    .replace(/^\n+|\s+$/g, '');
}

/** The joined text, which of its characters are user text, and what to do with each. */
interface Marks {
  s: string;
  literal: boolean[];
  /** Inside a bare URL. */
  inUrl: boolean[];
  escape: boolean[];
  drop: boolean[];
}

/** How many emphasis-like characters could pair with another one. */
interface Delimiters {
  stars: number;
  underscores: number;
  backticks: number;
}

const isWs = (c: string | undefined) => c === undefined || /\s/.test(c);

// Emphasis-like characters only need escaping when there is something they could pair with.
const starActive = (s: string, i: number) => !(isWs(s[i - 1]) && isWs(s[i + 1]));
const underscoreActive = (s: string, i: number) =>
  starActive(s, i) && !(ALNUM.test(s[i - 1] ?? '') && ALNUM.test(s[i + 1] ?? ''));

function escapeLiterals(s: string, literal: boolean[]): string {
  const marks: Marks = {
    s,
    literal,
    inUrl: bareUrls(s, literal),
    escape: new Array<boolean>(s.length).fill(false),
    drop: new Array<boolean>(s.length).fill(false),
  };
  const delimiters = countDelimiters(s, marks.inUrl);

  // Line-level constructs: headings, quotes, thematic breaks, setext underlines, tables, and
  // leading indentation (four spaces would make an indented code block).
  let lineStart = 0;
  for (const line of s.split('\n')) {
    markLine(marks, line, lineStart);
    lineStart += line.length + 1;
  }
  markInline(marks, delimiters);

  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (marks.drop[i]) continue;
    out += marks.escape[i] ? `\\${s[i]}` : s[i];
  }
  return out;
}

/** Bare URLs are linkified by the renderer before emphasis is parsed: leave them untouched. */
function bareUrls(s: string, literal: boolean[]): boolean[] {
  const inUrl = new Array<boolean>(s.length).fill(false);
  for (const m of s.matchAll(BARE_URL)) {
    // `literal` has one flag per character of `s`.
    for (let i = m.index; i < m.index + m[0].length; i++) inUrl[i] = literal[i]!;
  }
  return inUrl;
}

function countDelimiters(s: string, inUrl: boolean[]): Delimiters {
  let stars = 0;
  let underscores = 0;
  let backticks = 0;
  for (let i = 0; i < s.length; i++) {
    if (inUrl[i]) continue;
    if (s[i] === '*' && starActive(s, i)) stars++;
    else if (s[i] === '_' && underscoreActive(s, i)) underscores++;
    else if (s[i] === '`') backticks++;
  }
  return { stars, underscores, backticks };
}

/** Marks one line's block-level constructs; `lineStart` is its offset in the whole text. */
function markLine({ literal, escape, drop }: Marks, line: string, lineStart: number): void {
  const at = (k: number) => lineStart + k;
  let firstLiteral = 0;
  while (firstLiteral < line.length && !literal[at(firstLiteral)]) firstLiteral++;
  if (BLOCK_PREFIX.test(line.slice(0, firstLiteral))) {
    let k = firstLiteral;
    while (k < line.length && literal[at(k)] && (line[k] === ' ' || line[k] === '\t')) {
      drop[at(k)] = true;
      k++;
    }
  }
  // Only a short run of indentation, `>` and list markers can precede a block marker.
  let prefix = '';
  for (let k = 0; k < line.length && prefix.length <= MAX_BLOCK_PREFIX; k++) {
    if (drop[at(k)]) continue;
    const c = line[k]!; // k < line.length
    if (literal[at(k)] && (c === '#' || c === '>') && BLOCK_PREFIX.test(prefix)) {
      if (c === '>' || /^#{1,6}(?:[ \t]|$)/.test(line.slice(k, k + 8))) escape[at(k)] = true;
    }
    if (!/[ \t>*+\-\d.)]/.test(c)) break;
    prefix += c;
  }
  const quoteless = line.replace(/^(?:[ \t]*>)*[ \t]*/, '');
  const q = at(line.length - quoteless.length);
  if (/^([-=_*])(?:[ \t]*\1)*[ \t]*$/.test(quoteless) && literal[q]) escape[q] = true;
  if (
    quoteless.includes('|') &&
    /^\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/.test(quoteless)
  ) {
    for (let k = 0; k < line.length; k++)
      if (line[k] === '|' && literal[at(k)]) escape[at(k)] = true;
  }
}

/** Marks inline constructs: emphasis, code, links, images, entities and backslashes. */
function markInline({ s, literal, inUrl, escape, drop }: Marks, counts: Delimiters): void {
  const { stars, underscores, backticks } = counts;
  // For each position, the index of the next `]` (-1 if none): is a `[` the start of a link?
  const nextClose = new Array<number>(s.length).fill(-1);
  for (let i = s.length - 2; i >= 0; i--)
    nextClose[i] = s[i + 1] === ']' ? i + 1 : nextClose[i + 1]!; // i + 1 < s.length

  for (let i = 0; i < s.length; i++) {
    if (!literal[i] || inUrl[i] || drop[i]) continue;
    const c = s[i];
    const next = s[i + 1];
    if (c === '\\') escape[i] ||= next !== undefined && ASCII_PUNCT.test(next);
    else if (c === '*') escape[i] ||= stars > 1 && starActive(s, i);
    else if (c === '_') escape[i] ||= underscores > 1 && underscoreActive(s, i);
    else if (c === '~') escape[i] ||= s[i - 1] === '~' || next === '~';
    else if (c === '`') escape[i] ||= backticks > 1;
    else if (c === '!') escape[i] ||= next === '[';
    else if (c === '&')
      escape[i] ||= /^&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/.test(
        s.slice(i, i + 40),
      );
    else if (c === '[') {
      const close = nextClose[i]!; // one entry per character
      escape[i] ||= close > 0 && '([:'.includes(s[close + 1] ?? ' ');
    }
  }
}
