/**
 * Incoming: a Slack message event becomes the standard Markdown that Parley stores as a comment
 * body (rendered later by markdown-it with html disabled, linkify and breaks on).
 */
import { finishMarkdown } from './markdown-escaping.ts';
import { linkPieces } from './markdown-syntax.ts';
import { parseMrkdwn } from './mrkdwn-to-markdown.ts';
import { namesFor, type Names } from './names.ts';
import { isBlank, lit, prefixLines, raw, trimNewlines, type Piece } from './pieces.ts';
import { hasRichText, richBlocks } from './rich-text-to-markdown.ts';
import type { SlackAttachment, SlackMessageLike, SlackNameResolver } from './slack-shapes.ts';

function sharedPieces(att: SlackAttachment, names: Names): Piece[] {
  const blocks = (att.message_blocks ?? []).flatMap((mb) => mb.message?.blocks ?? []);
  let body: Piece[] = [];
  if (hasRichText(blocks)) body = richBlocks(blocks, names);
  if (isBlank(body) && att.text) body = parseMrkdwn(att.text, names);
  if (isBlank(body) && att.fallback) body = parseMrkdwn(att.fallback, names);
  body = trimNewlines(body);
  const author = (att.author_name || att.author_subname || '').trim();
  const title = att.from_url
    ? linkPieces(att.from_url, 'Forwarded message')
    : [lit('Forwarded message')];
  const header = [...title, ...(author ? [lit(' from '), raw('**'), lit(author), raw('**')] : [])];
  const content = isBlank(body) ? header : [...header, lit(':'), raw('\n'), ...body];
  return prefixLines(content, '> ', '> ');
}

/**
 * An incoming Slack message as standard Markdown. Prefers the `rich_text` blocks, falls back to
 * the mrkdwn `text`, and appends forwarded (shared) messages as quotes. Returns `''` for a
 * message with nothing but files (the caller stores those as attachments).
 */
export function slackToMarkdown(message: SlackMessageLike, resolve: SlackNameResolver): string {
  const names = namesFor(message, resolve);
  const main = hasRichText(message.blocks)
    ? richBlocks(message.blocks, names)
    : parseMrkdwn(message.text ?? '', names);
  const pieces = isBlank(main) ? [] : trimNewlines(main);
  for (const att of message.attachments ?? []) {
    if (!att.is_share) continue;
    if (pieces.length) pieces.push(raw('\n\n'));
    pieces.push(...sharedPieces(att, names));
  }
  return finishMarkdown(pieces);
}
