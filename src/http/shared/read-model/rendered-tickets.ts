import { type Audience, renderingKey } from './ticket-views.ts';

/**
 * Tickets rendered as API JSON, kept by id together with the `tickets.version` they were
 * rendered from: an entry serves only a reader that selected that same version, so a change
 * anywhere (this node, another node, a script) makes it miss. Agents' views are polled and
 * paged over the same tickets again and again; a hit costs a map lookup instead of rendering.
 *
 * A ticket is kept from its second rendering on. Kept strings move to V8's old generation and
 * are collected from there once evicted: keeping every ticket a one-off read renders (an
 * export walking all pages, a first look at old tickets) made such pages costlier with a full
 * cache, and pushed out the tickets that are read again. The ids rendered
 * once are remembered in two generations of a bounded set.
 *
 * Bounded by the length of the texts (a byte per character for the Latin-1 most tickets are;
 * V8 stores other text at two); when full, a tenth leaves, the least recently read first.
 *
 * A ticket reads differently to its requester than to agents (an internal first comment is not
 * its description to them), so each rendering is kept for the audience it was made for, and a
 * lookup names its audience: a rendering made for agents can never answer an end user. The
 * audience is the one that decides what its readers see (`audienceOf`, `TICKET_VIEWS`).
 */
export class RenderedTickets {
  private readonly entries = new Map<number, { version: number; json: string; used: boolean }>();
  private size = 0;
  private seen = new Set<number>();
  private seenBefore = new Set<number>();
  private readonly seenLimit: number;
  hits = 0;
  misses = 0;

  constructor(private readonly maxChars: number) {
    // About as many ids as tickets fit, so a ticket read twice within one cache's worth of
    // reads is admitted.
    this.seenLimit = Math.max(1000, Math.floor(maxChars / 1500));
  }

  get(id: number, version: number, audience: Audience): string | undefined {
    const e = this.entries.get(renderingKey(id, audience));
    if (!e || e.version !== version) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Marked, not moved: re-inserting on every hit left the Map a deleted slot each time,
    // and rehashing tens of thousands of entries that often cost more than the lookups.
    e.used = true;
    return e.json;
  }

  set(id: number, version: number, audience: Audience, json: string): void {
    if (this.maxChars === 0) return;
    const key = renderingKey(id, audience);
    const old = this.entries.get(key);
    if (old) {
      // A slower reader must not put back a version older than the one already kept.
      if (old.version > version) return;
      this.size += json.length - old.json.length;
      Object.assign(old, { version, json, used: true });
    } else {
      if (!this.admit(key)) return;
      this.entries.set(key, { version, json, used: false });
      this.size += json.length + ENTRY_OVERHEAD;
    }
    if (this.size > this.maxChars) this.evict(this.maxChars * 0.9);
  }

  /** Whether `id` was rendered before, recently; remembers it if not. */
  private admit(id: number): boolean {
    if (this.seen.delete(id) || this.seenBefore.delete(id)) return true;
    if (this.seen.size >= this.seenLimit) {
      this.seenBefore = this.seen;
      this.seen = new Set();
    }
    this.seen.add(id);
    return false;
  }

  /**
   * Down to `target` in one pass, oldest first; a ticket read since it was last passed over
   * goes to the back instead, once (the "second chance" approximation of least recently
   * used). One pass for many tickets: a Map keeps a deleted entry's slot until it next
   * rehashes and an iterator steps over those slots, so evicting one ticket per insert walked
   * the growing run of emptied slots at the front every time.
   */
  private evict(target: number): void {
    for (const [id, e] of this.entries) {
      if (this.size <= target) break;
      this.entries.delete(id);
      if (e.used) {
        e.used = false;
        this.entries.set(id, e);
      } else {
        this.size -= e.json.length + ENTRY_OVERHEAD;
      }
    }
  }

  /** Forgets every ticket: the bench measures pages that nobody has read yet. */
  clear(): void {
    this.entries.clear();
    this.seen.clear();
    this.seenBefore.clear();
    this.size = 0;
  }

  get count(): number {
    return this.entries.size;
  }
}

/** The map entry, the record and the string header, roughly, in characters. */
const ENTRY_OVERHEAD = 96;
