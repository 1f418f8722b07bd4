/**
 * Outgoing: an agent's Markdown reply becomes Slack mrkdwn `text`, escaped so that nothing an
 * agent or a customer typed can turn into a Slack control sequence (`<!channel>`, `<@U…>`).
 */
import MarkdownIt, { type Token } from 'markdown-it';
import { BlockWriter } from './block-writer.ts';
import { escapeSlack } from './escaping.ts';

// html stays off: an agent's `<b>` or `<!channel>` is text, and text is escaped for Slack.
const outgoingParser = new MarkdownIt({ html: false, linkify: true });

const SLACK_LINKABLE = /^(?:https?:\/\/|mailto:)/i;

/** A URL inside `<…|…>`: `|` would end it early and `<>&` are Slack control characters. */
function slackUrl(url: string): string {
  return url
    .replace(/&/g, '&amp;')
    .replace(/</g, '%3C')
    .replace(/>/g, '%3E')
    .replace(/\|/g, '%7C')
    .replace(/\s/g, (c) => encodeURIComponent(c));
}

function plainText(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.type === 'text' || t.type === 'code_inline' || t.type === 'html_inline') out += t.content;
    else if (t.type === 'softbreak' || t.type === 'hardbreak') out += ' ';
    else if (t.type === 'image') out += t.content || plainText(t.children ?? []);
  }
  return out;
}

function findClose(tokens: Token[], from: number, open: string, close: string): number {
  let depth = 0;
  for (let j = from; j < tokens.length; j++) {
    const type = tokens[j]!.type; // j < tokens.length
    if (type === open) depth++;
    else if (type === close && --depth === 0) return j;
  }
  return tokens.length;
}

function inlineMrkdwn(tokens: Token[], inHeading = false): string {
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!; // i < tokens.length (a link moves i to its close, still inside)
    switch (t.type) {
      case 'text':
      case 'html_inline':
        out += escapeSlack(t.content);
        break;
      case 'softbreak':
      case 'hardbreak':
        out += '\n';
        break;
      case 'code_inline':
        out += `\`${escapeSlack(t.content)}\``;
        break;
      case 'strong_open':
      case 'strong_close':
        // A heading is already bold; Slack cannot nest `*` inside `*`.
        if (!inHeading) out += '*';
        break;
      case 'em_open':
      case 'em_close':
        out += '_';
        break;
      case 's_open':
      case 's_close':
        out += '~';
        break;
      case 'link_open': {
        const end = findClose(tokens, i, 'link_open', 'link_close');
        const children = tokens.slice(i + 1, end);
        const href = String(t.attrGet('href') ?? '');
        const label = plainText(children);
        if (t.markup === 'linkify') {
          // A bare URL or address: Slack links it by itself.
          out += escapeSlack(label);
        } else if (!SLACK_LINKABLE.test(href)) {
          out += inlineMrkdwn(children, inHeading);
        } else if (
          !label.trim() ||
          label === href ||
          (t.markup === 'autolink' && !/^mailto:/i.test(href))
        ) {
          out += `<${slackUrl(href)}>`;
        } else {
          out += `<${slackUrl(href)}|${escapeSlack(label.replace(/\s+/g, ' '))}>`;
        }
        i = end;
        break;
      }
      case 'image': {
        const src = String(t.attrGet('src') ?? '');
        const alt = plainText(t.children ?? []) || t.content;
        if (/^https?:\/\//i.test(src)) {
          out += alt.trim() ? `<${slackUrl(src)}|${escapeSlack(alt)}>` : `<${slackUrl(src)}>`;
        } else {
          out += escapeSlack(alt);
        }
        break;
      }
      default:
        if (t.children?.length) out += inlineMrkdwn(t.children, inHeading);
        else if (t.content) out += escapeSlack(t.content);
    }
  }
  return out;
}

function isTight(tokens: Token[], listIndex: number): boolean {
  const level = tokens[listIndex]!.level; // the list's own open token
  for (let j = listIndex + 1; j < tokens.length; j++) {
    const t = tokens[j]!; // j < tokens.length
    if (t.level <= level && t.type.endsWith('_list_close')) break;
    if (t.type === 'paragraph_open' && t.level === level + 2) return t.hidden;
  }
  return true;
}

interface TableState {
  rows: string[][];
  row: string[];
  header: boolean;
}

/** What the block tokens read so far have left open. */
interface BlockState {
  w: BlockWriter;
  heading: boolean;
  table?: TableState;
}

/**
 * An agent's Markdown as Slack mrkdwn `text`. Literal text is escaped (`& < >`) before any
 * mrkdwn syntax is added, so only the links generated here are `<…>` tokens.
 */
export function markdownToMrkdwn(markdown: string): string {
  const tokens = outgoingParser.parse(markdown ?? '', {});
  const st: BlockState = { w: new BlockWriter(), heading: false };
  const { w } = st;

  for (const [i, t] of tokens.entries()) {
    switch (t.type) {
      case 'heading_open':
        st.heading = true;
        break;
      case 'heading_close':
        st.heading = false;
        break;
      case 'inline': {
        const text = inlineMrkdwn(t.children ?? [], st.heading);
        const { table } = st;
        if (table) table.row.push(table.header && text.trim() ? `*${text.trim()}*` : text.trim());
        else if (st.heading) {
          if (text.trim()) w.emit([`*${text.trim()}*`]);
        } else w.emit(text.split('\n'));
        break;
      }
      case 'fence':
      case 'code_block': {
        const code = escapeSlack(t.content.replace(/\n$/, ''));
        w.emit(['```', ...code.split('\n'), '```']);
        break;
      }
      case 'hr':
        w.emit(['———']);
        break;
      case 'html_block':
        w.emit(escapeSlack(t.content.replace(/\n$/, '')).split('\n'));
        break;
      default:
        if (!containerToken(tokens, i, w)) tableToken(t, st);
    }
  }
  return w.lines.join('\n').replace(/^\n+|\s+$/g, '');
}

/** Opens or closes a quote, list or list item; false for any other token. */
function containerToken(tokens: Token[], i: number, w: BlockWriter): boolean {
  const t = tokens[i]!; // the caller's current token
  switch (t.type) {
    case 'blockquote_open':
      w.push({ kind: 'quote' });
      return true;
    case 'bullet_list_open':
    case 'ordered_list_open':
      w.push({
        kind: 'list',
        ordered: t.type === 'ordered_list_open',
        next: Number(t.attrGet('start') ?? 1),
        tight: isTight(tokens, i),
      });
      return true;
    case 'list_item_open': {
      const list = w.currentList();
      let marker = '• ';
      if (list?.ordered) {
        // Numbered as Markdown renders them (`1. 1. 1.` shows 1, 2, 3), from the list's start.
        marker = `${list.next}. `;
        list.next++;
      }
      w.push({ kind: 'item', marker, used: false });
      return true;
    }
    case 'blockquote_close':
    case 'bullet_list_close':
    case 'ordered_list_close':
    case 'list_item_close':
      w.pop();
      return true;
    default:
      return false;
  }
}

/** Table structure: the rows are written as lines of cells when the table closes. */
function tableToken(t: Token, st: BlockState): void {
  const { table } = st;
  switch (t.type) {
    case 'table_open':
      st.table = { rows: [], row: [], header: false };
      break;
    case 'thead_open':
      if (table) table.header = true;
      break;
    case 'thead_close':
      if (table) table.header = false;
      break;
    case 'tr_open':
      if (table) table.row = [];
      break;
    case 'tr_close':
      if (table) table.rows.push(table.row);
      break;
    case 'table_close':
      if (table) st.w.emit(table.rows.map((r) => r.join(' | ')));
      st.table = undefined;
      break;
  }
}
