import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMarkdown } from '../../src/desk/markdown.ts';
import { renderMarkdownHtml } from '../../web/src/ticket/composer/markdown.ts';

/** The composer's preview must show what Parley stores for an agent's Markdown comment. */
const samples = [
  'It **burns**',
  'Line one\nline two',
  '- one\n- two\n\n1. first\n2. second',
  '`code` and\n\n```\nblock\n```',
  'See https://example.com/a?b=c and [docs](https://example.com/docs "Docs")',
  '> quoted\n\n# Title',
  '<script>alert(1)</script> <img src=x onerror=alert(1)>',
  '[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)',
  '| a | b |\n|---|---|\n| 1 | 2 |',
  '',
];

describe('the composer’s Markdown preview', () => {
  for (const text of samples) {
    it(`renders ${JSON.stringify(text).slice(0, 40)} as the server stores it`, () => {
      const server = renderMarkdown(text).html_body;
      assert.equal(`<div class="zd-comment" dir="auto">${renderMarkdownHtml(text)}</div>`, server);
    });
  }

  it('never lets raw HTML or script links through', () => {
    const html = renderMarkdownHtml(samples[6]! + '\n\n' + samples[7]!);
    assert.doesNotMatch(html, /<script|<img|href="javascript|href="data/i);
    assert.match(html, /&lt;script&gt;/);
  });
});
