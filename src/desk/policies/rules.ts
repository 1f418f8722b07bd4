import { isAgent } from '../context.ts';
import type { Grants } from './grants.ts';
import { adminsOnly, agentsOnly, holding, type Rule, type Who } from './rule.ts';

/** Zendesk's custom role `macro_access` levels (§2.6). */
export type MacroAccess = 'full' | 'manage-group' | 'manage-personal' | 'readonly';

const MACRO_ACCESS: readonly string[] = ['full', 'manage-group', 'manage-personal', 'readonly'];

/**
 * Admins have full macro access. An agent without a custom role, or whose role does not say,
 * manages their own personal macros, as Zendesk's plain "Agent" role does.
 */
export function macroAccess(grants: Grants): MacroAccess {
  if (grants === 'all') return 'full';
  if (grants === 'none') return 'manage-personal';
  const level = grants.macro_access;
  return typeof level === 'string' && MACRO_ACCESS.includes(level)
    ? (level as MacroAccess)
    : 'manage-personal';
}

/**
 * What a macro is, as far as managing it goes: shared (no restriction); a group macro, and
 * whether every one of its groups is one of the actor's; or a personal macro and its owner.
 */
export type MacroScope =
  | { kind: 'shared' }
  | { kind: 'group'; inOwnGroups: boolean }
  | { kind: 'personal'; ownerId: number };

const manageMacro: Rule<MacroScope> = {
  allow: (who, scope) => {
    if (!isAgent(who.user)) return false;
    const access = macroAccess(who.grants);
    if (access === 'full') return true;
    if (scope.kind === 'shared') return false;
    if (scope.kind === 'group') return access === 'manage-group' && scope.inOwnGroups;
    return scope.ownerId === who.user.id && access !== 'readonly';
  },
};

/**
 * Business rules. Triggers and automations: admins, and agents whose custom role grants
 * `manage_triggers` / `manage_automations`, read and manage them; other agents and end users
 * never. Macros: every agent reads and applies the shared ones, their own and their groups'
 * (which ones is the macros' query); managing one depends on its scope and the actor's
 * `macro_access`; every agent's personal macros are listed to admins only. Webhooks: admins
 * only, as in Zendesk — a webhook holds a receiver's credentials and can make Parley call any
 * address.
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
  'automation:read': holding('manage_automations'),
  'automation:manage': holding('manage_automations'),
  'macro:use': agentsOnly,
  'macro:manage': manageMacro,
  'macro:list-personal': adminsOnly,
  'webhook:read': adminsOnly,
  'webhook:manage': adminsOnly,
  'view:list': agentsOnly,
  'view:read': { allow: readsView, hides: 'View' } satisfies Rule<ViewSubject>,
  'view:manage': { allow: managesView } satisfies Rule<ViewSubject>,
  // In-app notifications are for agents and admins, each reading only their own (the rules'
  // queries filter by the reader); end users are told by email or in their channel instead.
  'notification:read': agentsOnly,
};
