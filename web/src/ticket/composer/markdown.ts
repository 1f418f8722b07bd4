import MarkdownIt from 'markdown-it';

/*
 * The preview renders Markdown exactly as Parley stores an agent's comment (src/desk/markdown.ts):
 * markdown-it with the same options. html:false escapes any raw HTML the agent types, and
 * markdown-it's validateLink refuses javascript:, vbscript: and data: links, so the HTML it
 * makes is safe to insert. Loaded only when the Preview tab opens.
 */
const md = new MarkdownIt({ html: false, linkify: true, breaks: true });

export function renderMarkdownHtml(text: string): string {
  return md.render(text).trim();
}
