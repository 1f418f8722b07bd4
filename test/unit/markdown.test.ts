import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderHtml, renderMarkdown } from '../../src/desk/markdown.ts';

describe('comment bodies', () => {
  it('gives Markdown a plain text with the characters and line breaks a reader sees', () => {
    const body = [
      '# Title & <tag>',
      'A "quoted" **bold** `a<b>&c` [link](https://e.example/?a=1&b=2 "t>itle") &copy; &#60;',
      '![alt "x"](https://e.example/i.png)',
      '- one\n- two',
      '```\nif (a < b && c > d) {}\n```',
      '| h1 | h2 |\n|----|----|\n| <x> | &y |',
      '> quoted\nline',
      '<script>alert(1)</script>',
    ].join('\n\n');
    const r = renderMarkdown(body);
    assert.equal(
      r.plain_body,
      [
        'Title & <tag>',
        'A "quoted" bold a<b>&c link © <',
        'one\ntwo',
        'if (a < b && c > d) {}',
        'h1\nh2\n<x>\n&y',
        'quoted\nline',
        '<script>alert(1)</script>',
      ].join('\n\n'),
    );
    assert.match(r.html_body, /&lt;script&gt;/);
    // A line break typed in Slack or the agent's editor is one line break, not a paragraph.
    assert.equal(renderMarkdown('first line\nsecond line').plain_body, 'first line\nsecond line');
  });

  it('sanitizes a comment given as HTML and derives its plain text', () => {
    const r = renderHtml(
      '<p onclick="x()">Hi <b>you</b> &amp; <script>bad()</script>them</p><br>x',
    );
    assert.doesNotMatch(r.html_body, /onclick|script/);
    assert.equal(r.plain_body, 'Hi you & them\n\nx');
  });
});
