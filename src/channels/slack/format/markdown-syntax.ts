/** Markdown built from Slack values: code spans and fences, links, dates. */
import { lit, raw, type Piece } from './pieces.ts';

function longestRun(text: string, run: RegExp): number {
  let longest = 0;
  for (const m of text.matchAll(run)) longest = Math.max(longest, m[0].length);
  return longest;
}

export function codeSpan(text: string): string {
  const fence = '`'.repeat(longestRun(text, /`+/g) + 1);
  const pad =
    text.startsWith('`') ||
    text.endsWith('`') ||
    (text.startsWith(' ') && text.endsWith(' ') && text.trim() !== '')
      ? ' '
      : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

export function codeFence(code: string): string {
  const fence = '`'.repeat(Math.max(3, longestRun(code, /`{3,}/g) + 1));
  return `${fence}\n${code}\n${fence}`;
}

/** Link text: literal, except brackets, which would end or nest the label. */
function labelPieces(text: string): Piece[] {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .split(/([[\]])/)
    .filter(Boolean)
    .map((part) => (part === '[' || part === ']' ? raw(`\\${part}`) : lit(part)));
}

function linkDestination(url: string): string {
  const safe = url.replace(/[\s<>\\]/g, (c) => encodeURIComponent(c));
  return /[()]/.test(safe) ? `<${safe}>` : safe;
}

const AUTOLINKABLE = /^[a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^<>\s\p{Cc}]*$/u;

export function linkPieces(url: string, label: string | undefined): Piece[] {
  const text = label?.trim() ? label : undefined;
  if (/^mailto:/i.test(url) && (!text || text === url.slice(7))) return [lit(url.slice(7))];
  if (!text || text === url) {
    if (AUTOLINKABLE.test(url)) return [raw(`<${url}>`)];
    return [raw('['), ...labelPieces(url), raw(`](${linkDestination(url)})`)];
  }
  return [raw('['), ...labelPieces(text), raw(`](${linkDestination(url)})`)];
}

export function dateText(timestamp: number | string | undefined): string {
  const seconds = Number(timestamp);
  if (!Number.isFinite(seconds)) return '';
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
