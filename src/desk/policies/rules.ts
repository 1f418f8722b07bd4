import { isAgent } from '../context.ts';
import type { Grants } from './grants.ts';
import { adminsOnly, agentsOnly, holding, type Rule } from './rule.ts';

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
 */
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
};
