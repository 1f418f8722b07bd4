import { isAgent } from '../context.ts';
import type { Grants } from './grants.ts';
import { agentsOnly, holding, type Rule, type Who } from './rule.ts';

/**
 * Business rules. Triggers: admins, and agents whose custom role grants `manage_triggers`,
 * read and manage them; other agents and end users never.
 *
 * Views (Zendesk's `restriction`): agents read the shared views, their own personal views and
 * the views of groups they belong to; admins read every view. Any agent may manage their own
 * personal views unless their role's `view_access` is read-only ("readonly", "playonly"); group
 * views need `view_access` "manage-group" (groups the agent belongs to) or "full"; shared views
 * "full". Admins manage every view. End users see none.
 */
export interface ViewSubject {
  /** The owner of a personal view, else null. */
  userId: number | null;
  /** The groups of a group view, else empty. */
  groupIds: readonly number[];
  /** The groups the actor belongs to. */
  memberOf: readonly number[];
}

function readsView(who: Who, v: ViewSubject): boolean {
  if (!isAgent(who.user)) return false;
  if (who.user.role === 'admin') return true;
  if (v.userId !== null) return v.userId === who.user.id;
  if (v.groupIds.length > 0) return v.groupIds.some((g) => v.memberOf.includes(g));
  return true;
}

function viewAccess(grants: Grants): string {
  if (grants === 'all') return 'full';
  if (grants === 'none') return 'manage-personal';
  const access = grants.view_access;
  return typeof access === 'string' ? access : 'manage-personal';
}

function managesView(who: Who, v: ViewSubject): boolean {
  if (!isAgent(who.user)) return false;
  if (who.user.role === 'admin') return true;
  const access = viewAccess(who.grants);
  if (v.userId !== null) {
    return v.userId === who.user.id && access !== 'readonly' && access !== 'playonly';
  }
  if (access === 'full') return true;
  if (v.groupIds.length > 0 && access === 'manage-group') {
    return v.groupIds.every((g) => v.memberOf.includes(g));
  }
  return false;
}

export const ruleRules = {
  'trigger:read': holding('manage_triggers'),
  'trigger:manage': holding('manage_triggers'),
  'view:list': agentsOnly,
  'view:read': { allow: readsView, hides: 'View' } satisfies Rule<ViewSubject>,
  'view:manage': { allow: managesView } satisfies Rule<ViewSubject>,
};
