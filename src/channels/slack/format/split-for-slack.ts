/** Outgoing: long mrkdwn replies split into messages Slack accepts. */

interface Unit {
  text: string;
  /** The separator that preceded it in the original text. */
  sep: string;
  /** For a fenced code block: how to reopen and close it when it must be split. */
  fence?: { reopen: string; close: string };
}

const FENCE = '```';

function countFences(line: string): number {
  return line.split(FENCE).length - 1;
}

/** Cuts `text` to at most `max` characters, preferring whitespace, never inside a `<…>` token,
 * an `&…;` entity or a surrogate pair. */
function cutPoint(text: string, max: number): number {
  let cut = max;
  const safe = (at: number) => {
    const open = text.lastIndexOf('<', at - 1);
    if (open >= 0 && text.lastIndexOf('>', at - 1) < open && text.indexOf('>', open) >= at) {
      return false;
    }
    const amp = text.lastIndexOf('&', at - 1);
    if (
      amp >= 0 &&
      at - amp < 10 &&
      /^&[#\w]+;/.test(text.slice(amp)) &&
      text.indexOf(';', amp) >= at
    ) {
      return false;
    }
    const code = text.charCodeAt(at - 1);
    return !(code >= 0xd800 && code <= 0xdbff);
  };
  for (let at = max; at > max / 2; at--) {
    if (/\s/.test(text[at] ?? '') && safe(at)) return at;
  }
  while (cut > 1 && !safe(cut)) cut--;
  return cut > 1 ? cut : max;
}

function splitLongLine(line: string, max: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > max) {
    const cut = cutPoint(rest, max);
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^[ \t]+/, '');
  }
  if (rest) out.push(rest);
  return out;
}

/** Greedy packing of lines into pieces of at most `max` characters joined by newlines. */
function packLines(lines: string[], max: number): string[] {
  const out: string[] = [];
  let current: string | undefined;
  for (const line of lines.flatMap((l) => (l.length > max ? splitLongLine(l, max) : [l]))) {
    if (current === undefined) current = line;
    else if (current.length + 1 + line.length <= max) current += `\n${line}`;
    else {
      out.push(current);
      current = line;
    }
  }
  if (current !== undefined) out.push(current);
  return out;
}

function toUnits(text: string): Unit[] {
  const units: Unit[] = [];
  const lines = text.split('\n');
  let sep = '';
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!; // i < lines.length, here and in the scans below
    if (!line.trim()) {
      sep += '\n';
      i++;
      continue;
    }
    const start = i;
    const unitSep = units.length ? `\n${sep}` : '';
    sep = '';
    if (countFences(line) % 2 === 1) {
      // A fenced block runs to the line that closes it (or to the end).
      i++;
      while (i < lines.length && countFences(lines[i]!) % 2 === 0) i++;
      i = Math.min(i + 1, lines.length);
      // Reopen under the same quote/indentation, without any text that preceded the fence.
      const prefix = /^(?:[ \t]*>[ \t]?)*[ \t]*/.exec(line)?.[0] ?? '';
      units.push({
        text: lines.slice(start, i).join('\n'),
        sep: unitSep,
        fence: { reopen: prefix + FENCE, close: prefix.trimEnd() + FENCE },
      });
      continue;
    }
    i++;
    while (i < lines.length && lines[i]!.trim() && countFences(lines[i]!) % 2 === 0) i++;
    units.push({ text: lines.slice(start, i).join('\n'), sep: unitSep });
  }
  return units;
}

function splitUnit(unit: Unit, limit: number): Unit[] {
  const lines = unit.text.split('\n');
  if (!unit.fence) {
    return packLines(lines, limit).map((text, k) => ({ text, sep: k ? '\n' : unit.sep }));
  }
  const { reopen, close } = unit.fence;
  const budget = limit - reopen.length - close.length - 2;
  const parts = packLines(lines, Math.max(budget, 1));
  return parts.map((part, k) => {
    const head = k > 0 ? `${reopen}\n` : '';
    const tail = k < parts.length - 1 ? `\n${close}` : '';
    return { text: head + part + tail, sep: k ? '\n' : unit.sep };
  });
}

/**
 * Splits a long mrkdwn reply into messages of at most `limit` characters, at paragraph
 * boundaries first, then at line boundaries, then at spaces. A code fence is kept whole when it
 * fits; when it cannot, every part is closed and the next one reopens it.
 */
export function splitForSlack(text: string, limit = 3500): string[] {
  if (!Number.isInteger(limit) || limit < 16) throw new RangeError('limit must be at least 16');
  const body = text.replace(/\s+$/, '').replace(/^\n+/, '');
  if (!body.trim()) return [];
  if (body.length <= limit) return [body];

  const units = toUnits(body).flatMap((u) => (u.text.length > limit ? splitUnit(u, limit) : [u]));
  const chunks: string[] = [];
  let current = '';
  for (const unit of units) {
    if (!current) current = unit.text;
    else if (current.length + unit.sep.length + unit.text.length <= limit) {
      current += unit.sep + unit.text;
    } else {
      chunks.push(current);
      current = unit.text;
    }
  }
  if (current) chunks.push(current);
  return chunks.map((c) => c.replace(/\s+$/, ''));
}
