// Slack mrkdwn <-> Markdown: re-exports the public API of ./format/ so importers need not change.
export { emojiFromShortcode } from './format/emoji.ts';
export { escapeSlack, unescapeSlack } from './format/escaping.ts';
export { markdownToMrkdwn } from './format/markdown-to-mrkdwn.ts';
export { mentionedUserIds } from './format/mentioned-users.ts';
export { slackToMarkdown } from './format/slack-to-markdown.ts';
export { splitForSlack } from './format/split-for-slack.ts';
export type {
  SlackAttachment,
  SlackBlock,
  SlackMessageLike,
  SlackNameResolver,
  SlackRichElement,
  SlackTextStyle,
} from './format/slack-shapes.ts';
