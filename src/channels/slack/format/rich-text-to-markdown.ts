/** Incoming: the `rich_text` blocks of a Slack message as Markdown pieces. */
import { emojiFromShortcode, fromCodepoints } from './emoji.ts';
import { codeFence, codeSpan, dateText, linkPieces } from './markdown-syntax.ts';
import type { Names } from './names.ts';
import { isBlank, lit, prefixLines, raw, trimNewlines, type EmPair, type Piece } from './pieces.ts';
import type { SlackBlock, SlackRichElement, SlackTextStyle } from './slack-shapes.ts';

interface Atom {
  bold: boolean;
  italic: boolean;
  strike: boolean;
  /** Plain or code text (may be merged with neighbours); absent for mentions, links, emoji. */
  text?: string;
  code?: boolean;
  pieces?: Piece[];
  newline?: boolean;
}

function styleOf(el: SlackRichElement): SlackTextStyle {
  return typeof el.style === 'object' && el.style ? el.style : {};
}

function emojiText(el: SlackRichElement): string {
  const fromUnicode = el.unicode ? fromCodepoints(el.unicode) : undefined;
  return fromUnicode ?? emojiFromShortcode(el.name ?? '') ?? `:${el.name ?? ''}:`;
}

/** Plain text of a leaf element, for code blocks (no Markdown inside). */
function leafText(el: SlackRichElement, names: Names): string {
  switch (el.type) {
    case 'text':
      return el.text ?? '';
    case 'link':
      return el.text || el.url || '';
    case 'user':
      return `@${names.user(el.user_id ?? '')}`;
    case 'channel':
      return `#${names.channel(el.channel_id ?? '')}`;
    case 'usergroup':
      return `@${names.group(el.usergroup_id ?? '')}`;
    case 'broadcast':
      return `@${el.range ?? 'here'}`;
    case 'emoji':
      return emojiText(el);
    case 'date':
      return el.fallback || dateText(el.timestamp);
    case 'color':
      return el.value ?? '';
    case 'team':
      return `@${el.team_id ?? ''}`;
    default:
      return el.text ?? el.url ?? '';
  }
}

function leafPieces(el: SlackRichElement, names: Names): Piece[] {
  if (el.type === 'link' && el.url) return linkPieces(el.url, el.text);
  const text = leafText(el, names);
  return text ? [lit(text)] : [];
}

/** Inline elements (of a section, quote or list item) with their bold/italic/strike/code. */
function richInline(elements: SlackRichElement[], names: Names): Piece[] {
  return styledPieces(toAtoms(elements, names));
}

/** Splits text at newlines and merges neighbouring text runs of the same style. */
function toAtoms(elements: SlackRichElement[], names: Names): Atom[] {
  const atoms: Atom[] = [];
  for (const el of elements) {
    const st = styleOf(el);
    const base = { bold: !!st.bold, italic: !!st.italic, strike: !!st.strike };
    if (el.type === 'text') {
      (el.text ?? '').split('\n').forEach((part, i) => {
        if (i > 0) atoms.push({ ...base, newline: true });
        if (!part) return;
        const prev = atoms[atoms.length - 1];
        const code = !!st.code;
        if (
          prev?.text !== undefined &&
          !!prev.code === code &&
          prev.bold === base.bold &&
          prev.italic === base.italic &&
          prev.strike === base.strike
        ) {
          prev.text += part;
        } else {
          atoms.push({ ...base, text: part, code });
        }
      });
    } else {
      atoms.push({ ...base, pieces: leafPieces(el, names) });
    }
  }
  return atoms;
}

type StyleKind = 'bold' | 'italic' | 'strike';

const MARKERS = { bold: '**', italic: '_', strike: '~~' };

/** Pieces with the emphasis markers that open and close as the atoms' styles change. */
class StyledOutput {
  readonly out: Piece[] = [];
  private readonly open: { kind: StyleKind; em?: EmPair }[] = [];

  closeTop() {
    const { out } = this;
    const top = this.open.pop()!;
    // A closing delimiter after whitespace does not close: move the whitespace outside.
    let ws = '';
    for (let last = out.at(-1); last && !last.raw; last = out.at(-1)) {
      const m = /\s+$/.exec(last.text);
      if (!m) break;
      ws = m[0] + ws;
      last.text = last.text.slice(0, m.index);
      if (last.text) break;
      out.pop();
    }
    out.push({ text: MARKERS[top.kind], raw: true, em: top.em });
    if (ws) out.push(lit(ws));
  }

  closeAll() {
    while (this.open.length) this.closeTop();
  }

  transition(atom: Atom) {
    while (this.open.some((o) => !atom[o.kind])) this.closeTop();
    for (const kind of ['bold', 'italic', 'strike'] as const) {
      if (atom[kind] && !this.open.some((o) => o.kind === kind)) {
        const em = kind === 'italic' ? {} : undefined;
        this.open.push({ kind, em });
        this.out.push({ text: MARKERS[kind], raw: true, em });
      }
    }
  }
}

function styledPieces(atoms: Atom[]): Piece[] {
  const styled = new StyledOutput();
  const { out } = styled;
  for (const atom of atoms) {
    if (atom.newline) {
      styled.closeAll();
      out.push(raw('\n'));
      continue;
    }
    if (atom.text !== undefined && !atom.code) {
      const [, lead, core, trail] = /^(\s*)([\s\S]*?)(\s*)$/.exec(atom.text)!;
      if (lead) out.push(lit(lead));
      if (!core) continue;
      styled.transition(atom);
      out.push(lit(core));
      if (trail) out.push(lit(trail));
    } else if (atom.text !== undefined) {
      styled.transition(atom);
      out.push(raw(codeSpan(atom.text)));
    } else if (atom.pieces?.length) {
      styled.transition(atom);
      out.push(...atom.pieces);
    }
  }
  styled.closeAll();
  return out;
}

interface RenderedBlock {
  kind: 'para' | 'list';
  pieces: Piece[];
}

/** The `rich_text` blocks as Markdown paragraphs, lists, quotes and code fences. */
export function richBlocks(blocks: SlackBlock[], names: Names): Piece[] {
  const rendered: RenderedBlock[] = [];
  // Content width of the latest list item at each indent level, to nest Markdown lists.
  let widths: number[] = [];
  for (const block of blocks) {
    if (block.type !== 'rich_text') continue;
    for (const el of block.elements ?? []) {
      if (el.type === 'rich_text_list') {
        const indent = Math.max(0, Math.min(8, Number(el.indent) || 0));
        const ordered = el.style === 'ordered';
        const base = Array.from({ length: indent }, (_, k) => widths[k] ?? 2).reduce(
          (a, b) => a + b,
          0,
        );
        widths = widths.slice(0, indent);
        (el.elements ?? []).forEach((item, i) => {
          const marker = ordered ? `${(Number(el.offset) || 0) + i + 1}. ` : '- ';
          widths[indent] = marker.length;
          const content = trimNewlines(richInline(item.elements ?? [], names));
          const pad = ' '.repeat(base);
          rendered.push({
            kind: 'list',
            pieces: prefixLines(content, pad + marker, pad + ' '.repeat(marker.length)),
          });
        });
        continue;
      }
      widths = [];
      if (el.type === 'rich_text_preformatted') {
        const code = (el.elements ?? []).map((leaf) => leafText(leaf, names)).join('');
        const trimmed = code.replace(/^\n+|\n+$/g, '');
        if (trimmed) rendered.push({ kind: 'para', pieces: [raw(codeFence(trimmed))] });
      } else if (el.type === 'rich_text_quote') {
        const content = trimNewlines(richInline(el.elements ?? [], names));
        if (!isBlank(content)) {
          rendered.push({ kind: 'para', pieces: prefixLines(content, '> ', '> ') });
        }
      } else {
        // rich_text_section, and any future container holding inline elements.
        const content = trimNewlines(richInline(el.elements ?? [], names));
        if (!isBlank(content)) rendered.push({ kind: 'para', pieces: content });
      }
    }
  }
  const out: Piece[] = [];
  rendered.forEach((block, i) => {
    if (i > 0) {
      const tight = block.kind === 'list' && rendered[i - 1]?.kind === 'list';
      out.push(raw(tight ? '\n' : '\n\n'));
    }
    out.push(...block.pieces);
  });
  return out;
}

export function hasRichText(blocks: SlackBlock[] | undefined): blocks is SlackBlock[] {
  return !!blocks?.some((b) => b.type === 'rich_text' && b.elements?.length);
}
