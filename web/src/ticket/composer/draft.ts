import type { StagedChanges, UploadedFile } from './types.ts';

/**
 * The reply being written on a ticket, kept in localStorage while the agent types and after a
 * failed send, so that a reload, a crash or a conflict never loses it.
 */
export interface Draft {
  text: string;
  isPublic: boolean;
  uploads: UploadedFile[];
  /** Field changes applied macros staged, and the macros (their use is recorded on submit). */
  staged: StagedChanges;
  macroIds: number[];
  /** The ticket's updated_at when the agent started this draft: the safe update's stamp. */
  stamp: string | null;
}

export const EMPTY_DRAFT: Draft = {
  text: '',
  isPublic: true,
  uploads: [],
  staged: {},
  macroIds: [],
  stamp: null,
};

const keyOf = (ticketId: number) => `parley.draft.${ticketId}`;

export function isEmptyDraft(d: Draft): boolean {
  return (
    d.text.trim() === '' &&
    d.uploads.length === 0 &&
    d.macroIds.length === 0 &&
    Object.keys(d.staged).length === 0
  );
}

export function loadDraft(ticketId: number): Draft {
  try {
    const raw = localStorage.getItem(keyOf(ticketId));
    if (!raw) return EMPTY_DRAFT;
    const saved = JSON.parse(raw) as Partial<Draft>;
    return {
      text: typeof saved.text === 'string' ? saved.text : '',
      isPublic: saved.isPublic !== false,
      uploads: Array.isArray(saved.uploads) ? saved.uploads : [],
      staged: saved.staged && typeof saved.staged === 'object' ? saved.staged : {},
      macroIds: Array.isArray(saved.macroIds) ? saved.macroIds.filter(Number.isInteger) : [],
      stamp: typeof saved.stamp === 'string' ? saved.stamp : null,
    };
  } catch {
    return EMPTY_DRAFT;
  }
}

/** Saves the draft, or forgets it once there is nothing left in it. */
export function saveDraft(ticketId: number, draft: Draft): void {
  try {
    if (isEmptyDraft(draft)) localStorage.removeItem(keyOf(ticketId));
    else localStorage.setItem(keyOf(ticketId), JSON.stringify(draft));
  } catch {
    // Storage full or disabled: the draft still lives in the page.
  }
}

export function clearDraft(ticketId: number): void {
  try {
    localStorage.removeItem(keyOf(ticketId));
  } catch {
    // As above.
  }
}
