import type { Actor, Conn } from '../context.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { brandRules } from './brands.ts';
import { channelRules } from './channels.ts';
import { grantsOf } from './grants.ts';
import { groupRules } from './groups.ts';
import { organizationRules } from './organizations.ts';
import { realtimeRules } from './realtime.ts';
import { roleRules } from './roles.ts';
import type { Rule } from './rule.ts';
import { ruleRules } from './rules.ts';
import { tagRules } from './tags.ts';
import { ticketRules } from './tickets.ts';
import { tokenRules } from './tokens.ts';
import { userRules } from './users.ts';

/**
 * Every action an entry door may ask the desk for, with its rule. The API, the web app and any
 * later door ask here, so they all give the same answers.
 */
const RULES = {
  ...ticketRules,
  ...userRules,
  ...organizationRules,
  ...groupRules,
  ...brandRules,
  ...roleRules,
  ...tokenRules,
  ...channelRules,
  ...ruleRules,
  ...realtimeRules,
  ...tagRules,
};

type Rules = typeof RULES;
export type Action = keyof Rules;
export type SubjectOf<A extends Action> = Rules[A] extends Rule<infer S> ? S : never;
/** The subject argument: required for actions about a record, absent for the others. */
type SubjectArgs<A extends Action> = SubjectOf<A> extends undefined ? [] : [SubjectOf<A>];

/**
 * Whether `actor` may do `action` (to `subject`). Reads the actor's custom role only when
 * there is one: admins and plain agents are a few comparisons.
 */
export async function can<A extends Action>(
  db: Conn,
  actor: Actor,
  action: A,
  ...subject: SubjectArgs<A>
): Promise<boolean> {
  const rule = RULES[action] as Rule<unknown>;
  return rule.allow({ user: actor.user, grants: await grantsOf(db, actor) }, subject[0]);
}

/**
 * Throws unless `actor` may do `action`: the desk's forbidden error (403), or not-found (404)
 * for records that are hidden from those who may not see them.
 */
export async function authorize<A extends Action>(
  db: Conn,
  actor: Actor,
  action: A,
  ...subject: SubjectArgs<A>
): Promise<void> {
  if (await can(db, actor, action, ...subject)) return;
  const { hides, refusal } = RULES[action] as Rule<unknown>;
  throw hides ? new NotFoundError(hides) : new ForbiddenError(refusal);
}
