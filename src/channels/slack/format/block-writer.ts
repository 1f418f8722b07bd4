/** Outgoing: mrkdwn lines written under the current quote and list prefixes. */

type ListFrame = { kind: 'list'; ordered: boolean; next: number; tight: boolean };

export type Frame = { kind: 'quote' } | ListFrame | { kind: 'item'; marker: string; used: boolean };

/** Writes block content line by line under the current quote and list prefixes. */
export class BlockWriter {
  lines: string[] = [];
  frames: Frame[] = [];
  private blankPending = false;

  private prefix(consume: boolean): string {
    let out = '';
    for (const f of this.frames) {
      if (f.kind === 'quote') out += '> ';
      else if (f.kind === 'item') {
        if (consume && !f.used) {
          out += f.marker;
          f.used = true;
        } else {
          out += ' '.repeat(f.marker.length);
        }
      }
    }
    return out;
  }

  private inTightList(): boolean {
    // The innermost list or quote decides; an item alone does not.
    const f = this.frames.findLast((frame) => frame.kind !== 'item');
    return f?.kind === 'list' ? f.tight : false;
  }

  emit(lines: string[]) {
    if (this.lines.length && this.blankPending) this.lines.push(this.prefix(false).trimEnd());
    for (const line of lines) {
      const prefix = this.prefix(true);
      this.lines.push(line ? prefix + line : prefix.trimEnd());
    }
    this.blankPending = !this.inTightList();
  }

  push(frame: Frame) {
    // The blank line before a new quote or list belongs to the enclosing container.
    if (this.lines.length && this.blankPending) {
      this.lines.push(this.prefix(false).trimEnd());
      this.blankPending = false;
    }
    this.frames.push(frame);
  }

  pop() {
    const top = this.frames[this.frames.length - 1];
    if (top?.kind === 'item' && !top.used) this.emit(['']);
    const f = this.frames.pop();
    this.blankPending = !this.inTightList();
    return f;
  }

  currentList() {
    return this.frames.findLast((f): f is ListFrame => f.kind === 'list');
  }
}
