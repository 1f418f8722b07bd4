/** Outgoing: mrkdwn lines written under the current quote and list prefixes. */

export type Frame =
  | { kind: 'quote' }
  | { kind: 'list'; ordered: boolean; next: number; tight: boolean }
  | { kind: 'item'; marker: string; used: boolean };

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
    for (let k = this.frames.length - 1; k >= 0; k--) {
      const f = this.frames[k];
      if (f.kind === 'list') return f.tight;
      if (f.kind === 'quote') return false;
    }
    return false;
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
    for (let k = this.frames.length - 1; k >= 0; k--) {
      const f = this.frames[k];
      if (f.kind === 'list') return f;
    }
    return undefined;
  }
}
