import { STAGED_FIELDS, type ComposerTicket, type StagedChanges } from './types.ts';

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
  }
  return (a ?? null) === (b ?? null);
}

/** What a macro changes: the fields of the applied ticket that differ from the ticket now. */
export function changesBetween(now: ComposerTicket, after: ComposerTicket): StagedChanges {
  const changes: Record<string, unknown> = {};
  for (const field of STAGED_FIELDS) {
    if (!(field in after)) continue;
    if (!same(now[field], after[field])) changes[field] = after[field] ?? null;
  }
  return changes as StagedChanges;
}
