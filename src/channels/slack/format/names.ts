/** Display names for the user, channel and user-group ids a message mentions. */
import { unescapeSlack } from './escaping.ts';
import type { SlackMessageLike, SlackNameResolver } from './slack-shapes.ts';

export interface Names {
  user(id: string): string;
  channel(id: string): string;
  group(id: string): string;
}

/**
 * Mentions in rich_text carry only ids, but `text` of the same message carries the labels
 * (`<#C1|general>`, `<!subteam^S1|@eng>`), so those serve when the caller knows no name.
 */
export function namesFor(message: SlackMessageLike, resolve: SlackNameResolver): Names {
  const labels = {
    user: new Map<string, string>(),
    channel: new Map<string, string>(),
    group: new Map<string, string>(),
  };
  const texts = [message.text ?? '', ...(message.attachments ?? []).map((a) => a.text ?? '')];
  for (const text of texts) {
    // Every group in these patterns takes part in a match.
    for (const m of text.matchAll(/<([@#])([A-Z0-9]+)\|([^>]+)>/g)) {
      labels[m[1] === '@' ? 'user' : 'channel'].set(m[2]!, unescapeSlack(m[3]!));
    }
    for (const m of text.matchAll(/<!subteam\^([A-Z0-9]+)\|([^>]+)>/g)) {
      labels.group.set(m[1]!, unescapeSlack(m[2]!).replace(/^@/, ''));
    }
  }
  const clean = (name: string | undefined, sigil: string) =>
    name?.trim() ? name.trim().replace(new RegExp(`^\\${sigil}`), '') : undefined;
  return {
    user: (id) => clean(resolve.userName(id), '@') ?? labels.user.get(id) ?? id,
    channel: (id) => clean(resolve.channelName?.(id), '#') ?? labels.channel.get(id) ?? id,
    group: (id) => clean(resolve.usergroupName?.(id), '@') ?? labels.group.get(id) ?? id,
  };
}
