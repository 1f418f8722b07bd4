import MarkdownIt, { type Token } from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// html:false escapes any raw HTML an author types, and markdown-it's validateLink refuses
// javascript:/vbscript:/data: URLs, so rendered Markdown is safe to show agents as is.
const md = new MarkdownIt({ html: false, linkify: true, breaks: true });

const htmlPolicy: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'hr',
    'strong',
    'b',
    'em',
    'i',
    'u',
    's',
    'del',
    'code',
    'pre',
    'blockquote',
    'ul',
    'ol',
    'li',
    'a',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'span',
    'div',
    'img',
  ],
  allowedAttributes: { a: ['href', 'title', 'rel', 'target'], img: ['src', 'alt', 'title'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }) },
};

export interface RenderedBody {
  body: string;
  html_body: string;
  plain_body: string;
}

function wrap(inner: string): string {
  return `<div class="zd-comment" dir="auto">${inner}</div>`;
}

function htmlToPlain(html: string): string {
  const text = sanitizeHtml(
    html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|li|h[1-6]|blockquote|pre|tr)>/gi, '$&\n'),
    { allowedTags: [], allowedAttributes: {} },
  );
  return tidy(decodeEntities(text));
}

function tidy(text: string): string {
  return text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Text a reader sees, from markdown-it's tokens: no second parse of the HTML just rendered. */
function plainFromTokens(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    switch (t.type) {
      case 'inline':
        for (const c of t.children ?? []) {
          if (c.type === 'text' || c.type === 'code_inline') out += c.content;
          else if (c.type === 'softbreak' || c.type === 'hardbreak') out += '\n';
        }
        break;
      case 'fence':
      case 'code_block':
        out += `${t.content}\n`;
        break;
      // A tight list's paragraphs are hidden: no <p>, so no blank line between its items.
      case 'paragraph_close':
        out += t.hidden ? '' : '\n\n';
        break;
      case 'heading_close':
      case 'blockquote_close':
      case 'bullet_list_close':
      case 'ordered_list_close':
      case 'table_close':
        out += '\n\n';
        break;
      case 'list_item_close':
      case 'th_close':
      case 'td_close':
        out += '\n';
        break;
    }
  }
  return tidy(out);
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');
}

/** A comment written in Markdown (agents, Slack messages converted to Markdown). */
export function renderMarkdown(body: string): RenderedBody {
  const tokens = md.parse(body, {});
  const html = md.renderer.render(tokens, md.options, {}).trim();
  return { body, html_body: wrap(html), plain_body: plainFromTokens(tokens) };
}

/** A comment sent as `html_body`: kept, but only after sanitizing. */
export function renderHtml(html: string): RenderedBody {
  const clean = sanitizeHtml(html, htmlPolicy);
  const plain = htmlToPlain(clean);
  return { body: plain, html_body: wrap(clean), plain_body: plain };
}
