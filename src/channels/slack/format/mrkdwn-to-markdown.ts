/** Incoming: the mrkdwn `text` of a Slack message as Markdown pieces. */
import { emojiFromShortcode } from './emoji.ts';
import { unescapeSlack } from './escaping.ts';
import { codeFence, codeSpan, dateText, linkPieces } from './markdown-syntax.ts';
import type { Names } from './names.ts';
import { isBlank, lit, prefixLines, raw, type EmPair, type Piece } from './pieces.ts';

type Slot = { pieces: Piece[] } | { code: string };

const PLACEHOLDER = /\uFFFF(\d+)\uFFFF/g;

function tokenPieces(body: string, names: Names): Piece[] {
  const bar = body.indexOf('|');
  const target = bar >= 0 ? body.slice(0, bar) : body;
  const label = bar >= 0 ? unescapeSlack(body.slice(bar + 1)) : undefined;
  if (target.startsWith('@')) return [lit(`@${names.user(target.slice(1))}`)];
  if (target.startsWith('#')) {
    const id = target.slice(1);
    const known = names.channel(id);
    return [lit(`#${known === id && label ? label.replace(/^#/, '') : known}`)];
  }
  if (target.startsWith('!')) {
    const [command = '', ...args] = target.slice(1).split('^'); // split gives at least one part
    if (command === 'subteam') {
      const id = args[0] ?? '';
      const known = names.group(id);
      return [lit(`@${known === id && label ? label.replace(/^@/, '') : known}`)];
    }
    if (command === 'date') return [lit(label ?? dateText(args[0]))];
    if (['here', 'channel', 'everyone'].includes(command)) return [lit(`@${command}`)];
    return [lit(label ?? `@${command}`)];
  }
  return linkPieces(unescapeSlack(target), label);
}

/**
 * Placeholders for what is already converted: each `\uFFFF<n>\uFFFF` in the text stands for
 * slot n, so later passes cannot match inside code, tokens or markers.
 */
class Slots {
  private readonly slots: Slot[] = [];

  hold(slot: Slot): string {
    return `\uFFFF${this.slots.push(slot) - 1}\uFFFF`;
  }

  marker(text: string, em?: EmPair): string {
    return this.hold({ pieces: [{ text, raw: true, em }] });
  }

  /** One line of text with its placeholders replaced by what they hold. */
  expand(line: string): Piece[] {
    const out: Piece[] = [];
    let last = 0;
    for (const m of line.matchAll(PLACEHOLDER)) {
      if (m.index > last) out.push(lit(unescapeSlack(line.slice(last, m.index))));
      last = m.index + m[0].length;
      // The source's own \uFFFF were removed, so every placeholder is one `hold` made.
      const slot = this.slots[Number(m[1])]!;
      if ('pieces' in slot) {
        out.push(...slot.pieces);
      } else {
        // A code block is a block: it needs lines of its own.
        const before = isBlank(out) ? '' : '\n';
        const after = line.slice(last).trim() ? '\n' : '';
        out.push(raw(`${before}${codeFence(slot.code)}${after}`));
      }
    }
    if (last < line.length) out.push(lit(unescapeSlack(line.slice(last))));
    return out;
  }
}

/** Slack mrkdwn `text` (as events carry it, `& < >` escaped) as Markdown pieces. */
export function parseMrkdwn(source: string, names: Names): Piece[] {
  const slots = new Slots();
  let s = source.replace(/\uFFFF/g, '');
  // Code first: nothing inside code is a token, an emoji or formatting.
  s = holdCode(s, slots);
  s = holdTokensAndEmoji(s, slots, names);
  s = holdFormatting(s, slots);
  return quotedLines(s, slots);
}

function holdCode(s: string, slots: Slots): string {
  s = s.replace(/```([\s\S]*?)```/g, (_m, body: string) => {
    // Slack may still wrap URLs inside code as <url>; show the URL itself.
    const code = unescapeSlack(body.replace(/<((?:https?|mailto):[^|>]*)(?:\|[^>]*)?>/g, '$1'));
    return slots.hold({ code: code.replace(/^\n|\n$/g, '') });
  });
  return s.replace(/`([^`\n]+)`/g, (_m, body: string) =>
    slots.hold({ pieces: [raw(codeSpan(unescapeSlack(body)))] }),
  );
}

function holdTokensAndEmoji(s: string, slots: Slots, names: Names): string {
  s = s.replace(/<([^<>\uFFFF]+)>/g, (_m, body: string) =>
    slots.hold({ pieces: tokenPieces(body, names) }),
  );
  return s.replace(/:([a-z0-9_+'-]+):(?::skin-tone-[2-6]:)?/gi, (m, name: string) => {
    const char = emojiFromShortcode(name);
    return char ? slots.hold({ pieces: [lit(char)] }) : m;
  });
}

// Slack only formats at word boundaries, and never across lines.
function bound(c: string): RegExp {
  const e = c === '*' ? '\\*' : c;
  return new RegExp(
    `(^|[^\\p{L}\\p{N}_${c}])${e}([^\\s${c}](?:[^${c}\\n]*[^\\s${c}])?)${e}(?![\\p{L}\\p{N}_${c}])`,
    'gmu',
  );
}

function holdFormatting(s: string, slots: Slots): string {
  s = s.replace(
    bound('*'),
    (_m, pre: string, body: string) => pre + slots.marker('**') + body + slots.marker('**'),
  );
  s = s.replace(bound('_'), (_m, pre: string, body: string) => {
    const em: EmPair = {};
    return pre + slots.marker('_', em) + body + slots.marker('_', em);
  });
  return s.replace(
    bound('~'),
    (_m, pre: string, body: string) => pre + slots.marker('~~') + body + slots.marker('~~'),
  );
}

/** The lines as pieces, with Slack's `>` and `>>>` quotes as Markdown quotes. */
function quotedLines(s: string, slots: Slots): Piece[] {
  const out: Piece[] = [];
  let quoteRest = false;
  let wasQuoted = false;
  s.split('\n').forEach((line, i) => {
    let quoted = quoteRest;
    if (!quoted && line.startsWith('&gt;&gt;&gt;')) {
      quoteRest = quoted = true;
      line = line.slice(12).replace(/^ /, '');
    } else if (!quoted && line.startsWith('&gt;')) {
      quoted = true;
      line = line.slice(4).replace(/^ /, '');
    } else if (!quoted && line.startsWith('>')) {
      // Slack escapes the marker in events, but text we sent ourselves may carry it raw.
      quoted = true;
      line = line.slice(1).replace(/^ /, '');
    }
    if (i > 0) out.push(raw(wasQuoted && !quoted ? '\n\n' : '\n'));
    const pieces = slots.expand(line);
    out.push(...(quoted ? prefixLines(pieces, '> ', '> ') : pieces));
    wasQuoted = quoted;
  });
  return out;
}
