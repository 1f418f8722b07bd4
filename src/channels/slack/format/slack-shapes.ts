/** The Slack event shapes the formatters read (loose: events carry far more than we read). */

export interface SlackTextStyle {
  bold?: boolean;
  italic?: boolean;
  strike?: boolean;
  code?: boolean;
}

/** A node of a `rich_text` block: a container (section, list, quote, preformatted) or a leaf. */
export interface SlackRichElement {
  type: string;
  elements?: SlackRichElement[];
  text?: string;
  style?: SlackTextStyle | string;
  url?: string;
  user_id?: string;
  channel_id?: string;
  usergroup_id?: string;
  team_id?: string;
  range?: string;
  name?: string;
  unicode?: string;
  timestamp?: number | string;
  format?: string;
  fallback?: string;
  value?: string;
  indent?: number;
  offset?: number;
}

export interface SlackBlock {
  type: string;
  elements?: SlackRichElement[];
}

export interface SlackAttachment {
  is_share?: boolean;
  is_msg_unfurl?: boolean;
  author_name?: string;
  author_subname?: string;
  from_url?: string;
  text?: string;
  fallback?: string;
  message_blocks?: { message?: { blocks?: SlackBlock[] } }[];
}

export interface SlackMessageLike {
  text?: string;
  blocks?: SlackBlock[];
  attachments?: SlackAttachment[];
  files?: unknown[];
}

/** Names the caller looked up beforehand (users.info etc.); `undefined` when unknown. */
export interface SlackNameResolver {
  userName(id: string): string | undefined;
  channelName?(id: string): string | undefined;
  usergroupName?(id: string): string | undefined;
}
