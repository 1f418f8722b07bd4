/** Incoming: the user ids a message mentions, so the caller can look their names up first. */
import type { SlackBlock, SlackMessageLike, SlackRichElement } from './slack-shapes.ts';

function richElementsOf(blocks: SlackBlock[] | undefined): SlackRichElement[] {
  const out: SlackRichElement[] = [];
  const walk = (els: SlackRichElement[] | undefined) => {
    for (const el of els ?? []) {
      out.push(el);
      walk(el.elements);
    }
  };
  for (const b of blocks ?? []) if (b.type === 'rich_text') walk(b.elements);
  return out;
}

/**
 * Every user id mentioned in the message (text tokens, rich_text `user` elements, forwarded
 * content), in order of appearance and without duplicates, so the caller can look names up.
 */
export function mentionedUserIds(message: SlackMessageLike): string[] {
  const ids = new Set<string>();
  const fromText = (text: string | undefined) => {
    // The id group always takes part in a match.
    for (const m of (text ?? '').matchAll(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g)) ids.add(m[1]!);
  };
  const fromBlocks = (blocks: SlackBlock[] | undefined) => {
    for (const el of richElementsOf(blocks))
      if (el.type === 'user' && el.user_id) ids.add(el.user_id);
  };
  fromBlocks(message.blocks);
  fromText(message.text);
  for (const a of message.attachments ?? []) {
    for (const mb of a.message_blocks ?? []) fromBlocks(mb.message?.blocks);
    fromText(a.text);
  }
  return [...ids];
}
