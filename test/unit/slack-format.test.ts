import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  emojiFromShortcode,
  escapeSlack,
  markdownToMrkdwn,
  mentionedUserIds,
  slackToMarkdown,
  splitForSlack,
  unescapeSlack,
  type SlackBlock,
  type SlackMessageLike,
  type SlackNameResolver,
  type SlackRichElement,
} from '../../src/channels/slack/format.ts';
import { renderMarkdown } from '../../src/desk/markdown.ts';

const people: Record<string, string> = { U043H11ES4V: 'Lev', U1: 'Ana Lima', U2: 'Bo' };
const resolve: SlackNameResolver = {
  userName: (id) => people[id],
  channelName: (id) => (id === 'C9' ? 'support' : undefined),
};
const nobody: SlackNameResolver = { userName: () => undefined };

const md = (message: SlackMessageLike, r: SlackNameResolver = resolve) =>
  slackToMarkdown(message, r);
/** What an agent sees: the comment as Parley renders it. */
const html = (markdown: string) => renderMarkdown(markdown).html_body;
/** The text an agent reads, line breaks included. */
const plain = (markdown: string) =>
  html(markdown)
    .replace(/<br>\n?/g, '\n')
    .replace(/<\/p>\n?<p>/g, '\n\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();

const t = (text: string, style?: SlackRichElement['style']): SlackRichElement => ({
  type: 'text',
  text,
  ...(style ? { style } : {}),
});
const section = (...elements: SlackRichElement[]): SlackRichElement => ({
  type: 'rich_text_section',
  elements,
});
const rich = (...elements: SlackRichElement[]): SlackBlock[] => [{ type: 'rich_text', elements }];

// The real event_message_rich_text.json payload (slack.md §5.2).
const realText = '<#C043YJGBY49|general> :cat: <@U043H11ES4V> <https://google.com> text text text';
const realBlocks = rich(
  section(
    { type: 'channel', channel_id: 'C043YJGBY49' },
    t(' '),
    { type: 'emoji', name: 'cat', unicode: '1f431' },
    t(' '),
    { type: 'user', user_id: 'U043H11ES4V' },
    t(' '),
    { type: 'link', url: 'https://google.com' },
    t(' text text text'),
  ),
);

describe('slackToMarkdown: mrkdwn text', () => {
  it('converts the real mixed example from slack.md §5.2', () => {
    const out = md({ text: realText });
    assert.equal(out, '#general 🐱 @Lev <https://google.com> text text text');
    assert.match(html(out), /<a href="https:\/\/google.com">https:\/\/google.com<\/a>/);
  });

  it('resolves user mentions by name, else by label, else shows the id', () => {
    assert.equal(md({ text: 'hi <@U1>' }), 'hi @Ana Lima');
    assert.equal(md({ text: 'hi <@U7|sam>' }), 'hi @sam');
    assert.equal(md({ text: 'hi <@W7>' }), 'hi @W7');
    // A resolved name beats the (possibly stale) label.
    assert.equal(md({ text: 'hi <@U1|old_handle>' }), 'hi @Ana Lima');
  });

  it('converts channel, group, special, date and link tokens', () => {
    const out = md({
      text:
        '<#C9> <#C1|> <#C2|random> <!subteam^S1|@eng> <!here> <!channel|channel> <!everyone> ' +
        '<!date^1392734382^{date_short} at {time}|Feb 18, 2014 at 6:39 AM> ' +
        '<https://example.com/a?b=1&amp;c=2|the docs> <https://example.com> ' +
        '<mailto:bob@example.com|bob@example.com> <mailto:bob@example.com|Bob>',
    });
    assert.equal(
      out,
      '#support #C1 #random @eng @here @channel @everyone Feb 18, 2014 at 6:39 AM ' +
        '[the docs](https://example.com/a?b=1&c=2) <https://example.com> ' +
        'bob@example.com [Bob](mailto:bob@example.com)',
    );
    assert.match(html(out), /<a href="https:\/\/example.com\/a\?b=1&amp;c=2">the docs<\/a>/);
  });

  it('keeps a link label that contains | and brackets', () => {
    const out = md({ text: '<https://example.com/x|a | b [c]>' });
    assert.equal(out, '[a | b \\[c\\]](https://example.com/x)');
    assert.match(html(out), /<a href="https:\/\/example.com\/x">a \| b \[c\]<\/a>/);
  });

  it('converts *bold*, _italic_ and ~strike~ at word boundaries only', () => {
    const out = md({ text: '*bold* _italic_ ~gone~ *_both_* mid*word*s' });
    assert.equal(out, '**bold** _italic_ ~~gone~~ **_both_** mid\\*word\\*s');
    assert.equal(
      html(out).replace(/<\/?div[^>]*>/g, ''),
      '<p><strong>bold</strong> <em>italic</em> <s>gone</s> <strong><em>both</em></strong> mid*word*s</p>',
    );
  });

  it('keeps code and pre verbatim: no tokens, emoji or formatting inside', () => {
    const out = md({
      text: 'run `a *b* :cat: &lt;x&gt;` then\n```if a &amp;&amp; b:\n  *x* = <https://e.com>```',
    });
    assert.equal(out, 'run `a *b* :cat: <x>` then\n```\nif a && b:\n  *x* = https://e.com\n```');
    assert.match(html(out), /<code>a \*b\* :cat: &lt;x&gt;<\/code>/);
    assert.match(
      html(out),
      /<pre><code>if a &amp;&amp; b:\n {2}\*x\* = https:\/\/e.com\n<\/code><\/pre>/,
    );
  });

  it('turns emoji shortcodes into characters, drops skin tones, keeps unknown ones', () => {
    const out = md({ text: ':+1::skin-tone-3: :tada: :white_check_mark: :partyparrot: 10:30:45' });
    assert.equal(out, '👍 🎉 ✅ :partyparrot: 10:30:45');
  });

  it('knows the common shortcodes', () => {
    const expected: Record<string, string> = {
      smile: '😄',
      grinning: '😀',
      joy: '😂',
      heart: '❤️',
      '+1': '👍',
      thumbsup: '👍',
      '-1': '👎',
      pray: '🙏',
      tada: '🎉',
      white_check_mark: '✅',
      x: '❌',
      warning: '⚠️',
      fire: '🔥',
      eyes: '👀',
      rocket: '🚀',
      wave: '👋',
      slightly_smiling_face: '🙂',
      thinking_face: '🤔',
      ok_hand: '👌',
      clap: '👏',
      raised_hands: '🙌',
      sob: '😭',
      cry: '😢',
      rage: '😡',
      sweat_smile: '😅',
      '100': '💯',
      'man-shrugging': '🤷‍♂️',
    };
    for (const [name, char] of Object.entries(expected)) {
      assert.equal(emojiFromShortcode(name), char, name);
    }
    assert.equal(emojiFromShortcode('no_such_emoji_here'), undefined);
  });

  it('unescapes &lt; &gt; &amp; last, exactly once', () => {
    assert.equal(unescapeSlack('&amp;lt; &lt;b&gt; &amp;amp; &amp;'), '&lt; <b> &amp; &');
    const out = md({ text: 'literally &amp;lt; and &lt;b&gt;hi&lt;/b&gt; and AT&amp;T' });
    // The entity the user typed must reach the agent as text, not as "<".
    assert.equal(plain(out), 'literally &lt; and <b>hi</b> and AT&T');
    assert.match(html(out), /literally &amp;lt; and &lt;b&gt;hi&lt;\/b&gt; and AT&amp;T/);
  });

  it('does not let a token-looking escaped text become a token', () => {
    // A user typing "<@U1>" arrives escaped; it is text, not a mention.
    const out = md({ text: '&lt;@U1&gt; &lt;!channel&gt;' });
    assert.equal(plain(out), '<@U1> <!channel>');
  });

  it('renders ordinary text unchanged and does not over-escape it', () => {
    const text = 'snake_case_name, 5*3 = 15, a & b, x < y, C# rocks, 50% off, #1 fan, e-mail';
    const out = md({ text: escapeSlack(text) });
    assert.equal(out, text);
    assert.equal(plain(out), text);
  });

  it('escapes literal text only where Markdown would change it', () => {
    const cases: [string, string][] = [
      ['2*3*4', '2*3*4'],
      ['__init__.py and __main__', '__init__.py and __main__'],
      ['# not a heading', '# not a heading'],
      ['Thanks\n---', 'Thanks\n---'],
      ['Title\n===', 'Title\n==='],
      ['[click here](/login) ![i](i.png)', '[click here](/login) ![i](i.png)'],
      ['[ref]: /evil', '[ref]: /evil'],
      ['    four spaces', 'four spaces'],
      ['~~not struck~~', '~~not struck~~'],
      ['a \\# b \\\\ c \\[d]', 'a \\# b \\\\ c \\[d]'],
      ['&copy; &#169;', '&copy; &#169;'],
      ['| a | b |\n|---|---|\n| 1 | 2 |', '| a | b |\n|---|---|\n| 1 | 2 |'],
    ];
    for (const [typed, shown] of cases) {
      const out = md({ text: escapeSlack(typed) });
      assert.equal(plain(out), shown, `${JSON.stringify(typed)} -> ${JSON.stringify(out)}`);
      assert.doesNotMatch(html(out), /<(h\d|em|strong|s|a|img|pre|table|hr)\b/, out);
    }
  });

  it('leaves bare URLs alone so they are linkified whole', () => {
    // Slack wraps the URLs it recognises in <…>; these are ones it left as plain text.
    const out = md({
      blocks: rich(section(t('see https://example.com/a_b_/c_d_ and https://e.com/*x*'))),
    });
    assert.equal(out, 'see https://example.com/a_b_/c_d_ and https://e.com/*x*');
    assert.match(html(out), /href="https:\/\/example.com\/a_b_\/c_d_"/);
  });

  it('turns quoted lines into a blockquote that does not swallow the next line', () => {
    const out = md({ text: '&gt; quoted *line*\n&gt; second\nmy answer' });
    assert.equal(out, '> quoted **line**\n> second\n\nmy answer');
    assert.match(
      html(out),
      /<blockquote>\n<p>quoted <strong>line<\/strong><br>\nsecond<\/p>\n<\/blockquote>\n<p>my answer<\/p>/,
    );
    const rest = md({ text: 'intro\n&gt;&gt;&gt; all\nof this' });
    assert.equal(rest, 'intro\n> all\n> of this');
  });

  it('returns an empty string for a message that only carries files', () => {
    assert.equal(md({ text: '', files: [{ id: 'F1' }] }), '');
    assert.equal(md({ files: [{ id: 'F1' }] }), '');
  });
});

describe('slackToMarkdown: rich_text blocks', () => {
  it('prefers blocks, taking labels the caller does not know from text', () => {
    const out = md({ text: realText, blocks: realBlocks }, nobody);
    assert.equal(out, '#general 🐱 @U043H11ES4V <https://google.com> text text text');
    assert.equal(
      md({ text: 'stale text', blocks: realBlocks }),
      '#C043YJGBY49 🐱 @Lev <https://google.com> text text text',
    );
  });

  it('renders styles, nested and adjacent, with whitespace outside the markers', () => {
    const out = md({
      blocks: rich(
        section(
          t('Hello '),
          t('bold ', { bold: true }),
          t('both', { bold: true, italic: true }),
          t(' and '),
          t('it', { italic: true }),
          t(' x'),
          t('in', { italic: true }),
          t('word '),
          t('gone', { strike: true }),
          t(' '),
          t('npm i', { code: true }),
          t(' '),
          t('loud code', { bold: true, code: true }),
        ),
      ),
    });
    assert.equal(out, 'Hello **bold _both_** and _it_ x*in*word ~~gone~~ `npm i` **`loud code`**');
    assert.equal(
      html(out).replace(/<\/?div[^>]*>/g, ''),
      '<p>Hello <strong>bold <em>both</em></strong> and <em>it</em> x<em>in</em>word <s>gone</s> ' +
        '<code>npm i</code> <strong><code>loud code</code></strong></p>',
    );
  });

  it('renders every inline element type', () => {
    const out = md({
      text: '<!subteam^S1|@eng>',
      blocks: rich(
        section(
          { type: 'user', user_id: 'U1' },
          t(' '),
          { type: 'channel', channel_id: 'C9' },
          t(' '),
          { type: 'usergroup', usergroup_id: 'S1' },
          t(' '),
          { type: 'broadcast', range: 'here' },
          t(' '),
          { type: 'broadcast', range: 'channel' },
          t(' '),
          { type: 'link', url: 'https://example.com/x', text: 'the [spec] | v2' },
          t(' '),
          { type: 'link', url: 'https://example.com/(y)' },
          t(' '),
          { type: 'link', url: 'mailto:a@b.co', text: 'a@b.co' },
          t(' '),
          { type: 'emoji', name: '+1', unicode: '1f44d-1f3fd' },
          { type: 'emoji', name: 'tada' },
          { type: 'emoji', name: 'partyparrot' },
          t(' '),
          { type: 'date', timestamp: 1392734382, format: '{date_short}', fallback: 'Feb 18, 2014' },
          t(' '),
          { type: 'date', timestamp: 1392734382, format: '{date_short}' },
          t(' '),
          { type: 'user', user_id: 'U1', style: { bold: true } },
        ),
      ),
    });
    assert.equal(
      out,
      '@Ana Lima #support @eng @here @channel [the \\[spec\\] | v2](https://example.com/x) ' +
        '<https://example.com/(y)> a@b.co 👍🏽🎉:partyparrot: ' +
        'Feb 18, 2014 2014-02-18 14:39 UTC **@Ana Lima**',
    );
    assert.match(html(out), /<a href="https:\/\/example.com\/x">the \[spec\] \| v2<\/a>/);
    assert.match(html(out), /<a href="https:\/\/example.com\/\(y\)">/);
  });

  it('renders preformatted blocks as fences, verbatim', () => {
    const out = md({
      blocks: rich(
        section(t('Look:\n')),
        {
          type: 'rich_text_preformatted',
          elements: [
            t('const a = `x` && <b>**no**</b>;\n```nested```\nsee '),
            { type: 'link', url: 'https://example.com/code' },
          ],
        },
        section(t('done')),
      ),
    });
    assert.equal(
      out,
      'Look:\n\n````\nconst a = `x` && <b>**no**</b>;\n```nested```\nsee https://example.com/code\n````\n\ndone',
    );
    assert.match(
      html(out),
      /<pre><code>const a = `x` &amp;&amp; &lt;b&gt;\*\*no\*\*&lt;\/b&gt;;\n```nested```\n/,
    );
  });

  it('renders quotes with every line prefixed', () => {
    const out = md({
      blocks: rich(
        { type: 'rich_text_quote', elements: [t('first\nsecond '), t('strong', { bold: true })] },
        section(t('reply')),
      ),
    });
    assert.equal(out, '> first\n> second **strong**\n\nreply');
    assert.match(
      html(out),
      /<blockquote>\n<p>first<br>\nsecond <strong>strong<\/strong><\/p>\n<\/blockquote>\n<p>reply<\/p>/,
    );
  });

  it('renders nested bullet and ordered lists with offsets', () => {
    const list = (
      style: string,
      indent: number,
      items: string[],
      offset?: number,
    ): SlackRichElement => ({
      type: 'rich_text_list',
      style,
      indent,
      ...(offset !== undefined ? { offset } : {}),
      elements: items.map((i) => section(t(i))),
    });
    const out = md({
      blocks: rich(
        section(t('Steps:\n')),
        list('ordered', 0, ['first', 'second']),
        list('bullet', 1, ['detail *a*', 'detail b']),
        list('bullet', 2, ['deeper']),
        list('ordered', 0, ['third'], 2),
        section(t('Thanks')),
      ),
    });
    assert.equal(
      out,
      'Steps:\n\n1. first\n2. second\n   - detail \\*a\\*\n   - detail b\n     - deeper\n3. third\n\nThanks',
    );
    assert.equal(
      html(out)
        .replace(/<\/?div[^>]*>/g, '')
        .replace(/\n/g, ''),
      '<p>Steps:</p><ol><li>first</li><li>second<ul><li>detail *a*</li><li>detail b' +
        '<ul><li>deeper</li></ul></li></ul></li><li>third</li></ol><p>Thanks</p>',
    );
  });

  it('keeps literal block syntax typed in rich text literal', () => {
    const out = md({
      blocks: rich(
        section(t('# not a heading\n> not a quote\n---\n    indented\n[x](javascript:alert(1))')),
      ),
    });
    assert.equal(
      plain(out),
      '# not a heading\n> not a quote\n---\nindented\n[x](javascript:alert(1))',
    );
    assert.doesNotMatch(html(out), /<(h1|blockquote|hr|pre|a)\b/);
  });

  it('falls back to text when blocks hold no rich_text', () => {
    const out = md({ text: '*hi*', blocks: [{ type: 'section' }] });
    assert.equal(out, '**hi**');
  });
});

describe('slackToMarkdown: forwarded messages', () => {
  // The real event_forwarded_message.json attachment.
  const forwarded: SlackMessageLike = {
    text: '',
    attachments: [
      {
        is_msg_unfurl: true,
        is_share: true,
        message_blocks: [{ message: { blocks: rich(section(t('123'))) } }],
        from_url: 'https://myworkspace.slack.com/archives/C07KTH1T4CQ/p1724952281623809',
        fallback: '[August 29th, 2024 10:24 AM] lev: 123',
        text: '123',
        author_name: 'lev',
      },
    ],
  };

  it('renders a forwarded message as a quote instead of an empty comment', () => {
    assert.equal(
      md(forwarded),
      '> [Forwarded message](https://myworkspace.slack.com/archives/C07KTH1T4CQ/p1724952281623809) from **lev**:\n> 123',
    );
  });

  it('appends the shared message after the sender’s own text', () => {
    const out = md({
      text: 'hello check that out!',
      blocks: rich(section(t('hello check that out!'))),
      attachments: [{ is_share: true, author_name: 'lev', text: 'this *will* be &lt;shared&gt;' }],
    });
    assert.equal(
      out,
      'hello check that out!\n\n> Forwarded message from **lev**:\n> this **will** be <shared>',
    );
    assert.match(
      html(out),
      /<blockquote>\n<p>Forwarded message from <strong>lev<\/strong>:<br>\nthis <strong>will<\/strong> be &lt;shared&gt;<\/p>/,
    );
  });

  it('uses the fallback when nothing else is there, and ignores link unfurls', () => {
    const out = md({
      text: 'see <https://e.com>',
      attachments: [
        { is_share: true, fallback: '[Aug 29th] lev: 123' },
        { is_msg_unfurl: true, text: 'unfurled preview' },
      ],
    });
    assert.equal(out, 'see <https://e.com>\n\n> Forwarded message:\n> [Aug 29th] lev: 123');
  });
});

describe('mentionedUserIds', () => {
  it('collects ids from text tokens, rich_text and forwarded content, once each', () => {
    const ids = mentionedUserIds({
      text: 'hi <@U1> and <@U2|bo> and <@U1>, <#C1|general> <!subteam^S1|@eng>',
      blocks: rich(
        section({ type: 'user', user_id: 'U3' }, t(' '), { type: 'user', user_id: 'U1' }),
      ),
      attachments: [
        {
          is_share: true,
          text: 'cc <@W4>',
          message_blocks: [
            {
              message: {
                blocks: rich({
                  type: 'rich_text_quote',
                  elements: [{ type: 'user', user_id: 'U5' }],
                }),
              },
            },
          ],
        },
      ],
    });
    assert.deepEqual(ids, ['U3', 'U1', 'U2', 'U5', 'W4']);
    assert.deepEqual(mentionedUserIds({ text: 'no mentions' }), []);
  });
});

describe('markdownToMrkdwn', () => {
  it('converts inline formatting', () => {
    assert.equal(
      markdownToMrkdwn('**bold** __bold2__ *it* _it2_ ~~gone~~ `code`'),
      '*bold* *bold2* _it_ _it2_ ~gone~ `code`',
    );
  });

  it('escapes & < > in literal text first, so nothing can inject a mention', () => {
    const out = markdownToMrkdwn('Hey <!channel> and <@U123> & <!here|here> <#C1> a<b>c</b>');
    assert.equal(
      out,
      'Hey &lt;!channel&gt; and &lt;@U123&gt; &amp; &lt;!here|here&gt; &lt;#C1&gt; a&lt;b&gt;c&lt;/b&gt;',
    );
    assert.doesNotMatch(out, /<[!@#]/);
    // Not through link labels, code or URLs either.
    const sneaky = markdownToMrkdwn(
      '[<!channel>](https://e.com/?q=<@U1>) `<!everyone>` ```\n<@U2>\n```\n![<!here>](https://e.com/i.png)',
    );
    assert.doesNotMatch(sneaky, /<[!@#]/);
    assert.match(sneaky, /&lt;!channel&gt;/);
    assert.match(sneaky, /`&lt;!everyone&gt;`/);
  });

  it('converts links, keeping only http, https and mailto targets', () => {
    assert.equal(
      markdownToMrkdwn('[the docs](https://example.com/a?b=1&c=2) [a | b](https://e.com/x|y)'),
      '<https://example.com/a?b=1&amp;c=2|the docs> <https://e.com/x%7Cy|a | b>',
    );
    assert.equal(markdownToMrkdwn('[mail me](mailto:a@b.co)'), '<mailto:a@b.co|mail me>');
    assert.equal(markdownToMrkdwn('[local](/tickets/1) [ftp](ftp://x.y/z)'), 'local ftp');
    assert.equal(markdownToMrkdwn('[x](javascript:alert(1))'), '[x](javascript:alert(1))');
    assert.equal(markdownToMrkdwn('[**bold** label](https://e.com)'), '<https://e.com|bold label>');
    assert.equal(markdownToMrkdwn('[https://e.com](https://e.com)'), '<https://e.com>');
  });

  it('keeps bare URLs and autolinks', () => {
    assert.equal(
      markdownToMrkdwn('see https://example.com/a_b_c?x=1&y=2 or <https://e.com> or <me@e.com>'),
      'see https://example.com/a_b_c?x=1&amp;y=2 or <https://e.com> or <mailto:me@e.com|me@e.com>',
    );
  });

  it('turns images into links', () => {
    assert.equal(
      markdownToMrkdwn('![diagram](https://e.com/d.png) ![](https://e.com/e.png) ![local](/x.png)'),
      '<https://e.com/d.png|diagram> <https://e.com/e.png> local',
    );
  });

  it('turns headings into bold lines', () => {
    assert.equal(
      markdownToMrkdwn('# Title **strong**\n\ntext\n\n###### Small\nmore'),
      '*Title strong*\n\ntext\n\n*Small*\n\nmore',
    );
  });

  it('turns bullets into • and keeps nesting and ordered numbers', () => {
    const out = markdownToMrkdwn(
      '- one\n* two\n  + nested *x*\n    1. deep\n    2. deeper\n- three\n\n3. c\n4. d',
    );
    assert.equal(
      out,
      '• one\n\n• two\n  • nested _x_\n    1. deep\n    2. deeper\n\n• three\n\n3. c\n4. d',
    );
    assert.equal(markdownToMrkdwn('- a\n- b\n- c'), '• a\n• b\n• c');
    assert.equal(markdownToMrkdwn('1. a\n1. b\n1. c'), '1. a\n2. b\n3. c');
  });

  it('keeps blockquotes as > without escaping the marker', () => {
    assert.equal(
      markdownToMrkdwn('> quoted **b** & <x>\n> line 2\n\nafter'),
      '> quoted *b* &amp; &lt;x&gt;\n> line 2\n\nafter',
    );
    assert.equal(markdownToMrkdwn('a \\> b\n\n\\> not a quote'), 'a &gt; b\n\n&gt; not a quote');
    assert.equal(markdownToMrkdwn('> - item\n> - item 2'), '> • item\n> • item 2');
  });

  it('keeps code verbatim apart from the escaping Slack requires', () => {
    assert.equal(
      markdownToMrkdwn(
        '```js\nif (a < b && **c**) { _x_ }\n\n  indented\n```\n\n    indented code',
      ),
      '```\nif (a &lt; b &amp;&amp; **c**) { _x_ }\n\n  indented\n```\n\n```\nindented code\n```',
    );
    assert.equal(markdownToMrkdwn('`a **b** <c>`'), '`a **b** &lt;c&gt;`');
  });

  it('converts rules and keeps line breaks', () => {
    assert.equal(markdownToMrkdwn('above\n\n---\n\nbelow'), 'above\n\n———\n\nbelow');
    assert.equal(
      markdownToMrkdwn('line one\nline two  \nline three\\\nfour'),
      'line one\nline two\nline three\nfour',
    );
  });

  it('renders tables as lines', () => {
    assert.equal(markdownToMrkdwn('| a | b |\n|---|---|\n| 1 | 2 |'), '*a* | *b*\n1 | 2');
  });

  it('round-trips through Slack back to the same rendering', () => {
    const source =
      'Hi **Ana**, _please_ try `npm i <pkg>` & ~~not~~ [this](https://e.com/a?b=1&c=2).\n\n> quoted';
    const back = md({ text: markdownToMrkdwn(source) });
    assert.equal(html(back), html(source));
  });

  it('handles empty input', () => {
    assert.equal(markdownToMrkdwn(''), '');
    assert.equal(escapeSlack('a & <b> c'), 'a &amp; &lt;b&gt; c');
  });
});

describe('splitForSlack', () => {
  const words = (n: number, tag: string) =>
    Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ');

  it('returns short text as one message and blank text as none', () => {
    assert.deepEqual(splitForSlack('hello\n\nworld'), ['hello\n\nworld']);
    assert.deepEqual(splitForSlack('  \n '), []);
    assert.throws(() => splitForSlack('x', 3), RangeError);
  });

  it('splits at paragraph boundaries, each message within the limit', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => words(20, `p${i}w`));
    const text = paragraphs.join('\n\n');
    const parts = splitForSlack(text, 400);
    assert.ok(parts.length > 1);
    for (const p of parts) assert.ok(p.length <= 400, `${p.length}`);
    // Nothing lost, nothing cut inside a paragraph.
    assert.equal(parts.join('\n\n'), text);
    for (const p of parts) for (const para of p.split('\n\n')) assert.ok(paragraphs.includes(para));
  });

  it('uses 3500 characters by default', () => {
    const text = Array.from({ length: 40 }, (_, i) => words(30, `q${i}w`)).join('\n\n');
    const parts = splitForSlack(text);
    assert.ok(text.length > 3500 && parts.length >= 2);
    for (const p of parts) assert.ok(p.length <= 3500);
    assert.ok(parts[0]!.length > 3000, 'packs messages instead of sending one per paragraph');
  });

  it('splits a long paragraph at lines, then at spaces', () => {
    const lines = Array.from({ length: 30 }, (_, i) => words(8, `l${i}w`));
    const parts = splitForSlack(lines.join('\n'), 200);
    for (const p of parts) assert.ok(p.length <= 200);
    assert.equal(parts.join('\n'), lines.join('\n'));

    const longLine = words(300, 'w');
    const cut = splitForSlack(longLine, 250);
    for (const p of cut) assert.ok(p.length <= 250 && !p.startsWith(' ') && !p.endsWith(' '));
    assert.equal(cut.join(' '), longLine);
  });

  it('never cuts inside a <url|label> token or an entity', () => {
    const token = '<https://example.com/a/very/long/path|the label>';
    const text = `${'x'.repeat(90)}${token}&amp;${'y'.repeat(90)}`;
    const parts = splitForSlack(text, 100);
    assert.ok(parts.some((p) => p.includes(token)));
    assert.ok(parts.some((p) => p.includes('&amp;')));
    assert.equal(parts.join(''), text);
  });

  it('moves a code fence whole to the next message when it fits there', () => {
    const intro = words(40, 'i');
    const code = '```\n' + Array.from({ length: 8 }, (_, i) => `line ${i}`).join('\n') + '\n```';
    const parts = splitForSlack(`${intro}\n${code}\nafter`, intro.length + 20);
    assert.equal(parts[0], intro);
    assert.ok(parts[1]!.startsWith(code));
  });

  it('closes and reopens a fence that must be split', () => {
    const body = Array.from({ length: 60 }, (_, i) => `code line ${i} &lt;x&gt;`).join('\n');
    const text = `Before\n\n> quoted \`\`\`\n${body}\n\`\`\`\n\nAfter`;
    const parts = splitForSlack(text, 300);
    assert.ok(parts.length > 3);
    for (const p of parts) {
      assert.ok(p.length <= 300, `${p.length}`);
      const fences = p.split('```').length - 1;
      assert.equal(fences % 2, 0, `unbalanced fence in ${JSON.stringify(p)}`);
    }
    const inner = parts.filter((p) => p.includes('code line'));
    for (const p of inner.slice(1)) assert.ok(p.startsWith('> ```\n'), p.slice(0, 20));
    // Every code line survives exactly once.
    const seen = parts.join('\n').match(/code line \d+/g) ?? [];
    assert.equal(seen.length, 60);
    assert.equal(new Set(seen).size, 60);
    assert.equal(parts[parts.length - 1]!.endsWith('After'), true);
  });

  it('splits what markdownToMrkdwn produced without breaking its tokens', () => {
    const source = Array.from(
      { length: 50 },
      (_, i) => `Step ${i}: open [the page](https://example.com/${i}?a=1&b=2) and check <this>.`,
    ).join('\n\n');
    const parts = splitForSlack(markdownToMrkdwn(source), 500);
    for (const p of parts) {
      assert.ok(p.length <= 500);
      assert.equal((p.match(/</g) ?? []).length, (p.match(/>/g) ?? []).length);
    }
  });
});
