import { type ExpressionBuilder, sql } from 'kysely';
import type { DB } from '../db/types.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { authorize, can } from '../desk/policies/authorize.ts';
import { groupIdsOf } from './macro-access.ts';

/**
 * `GET /macros` and its kin as one query the door pages: the macros an actor may list, filtered,
 * with their usage counts (macro_usages) as columns, so that the list can sort by them and
 * side-load them without another query.
 */

/** Zendesk's `access`: which macros, by restriction. */
export type MacroAccessFilter = 'personal' | 'agents' | 'shared' | 'account';

export interface MacroFilter {
  access?: MacroAccessFilter;
  active?: boolean;
  /** The part of the title before `::` (Zendesk's macro categories). */
  category?: string;
  groupId?: number;
  /** Leave out what the actor sees only as an admin looking at everyone's (access=account). */
  onlyViewable?: boolean;
  /** Titles containing this text, case-insensitively. */
  titleContains?: string;
}

export const USAGE_WINDOWS = { usage_1h: 1, usage_24h: 24, usage_7d: 24 * 7, usage_30d: 24 * 30 };
export type UsageWindow = keyof typeof USAGE_WINDOWS;

/** The separator of a title's category (`Billing::Refund` is in Billing). */
export const CATEGORY_SEPARATOR = '::';

function likePattern(text: string, prefix: boolean): string {
  const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`);
  return prefix ? `${escaped}%` : `%${escaped}%`;
}

type MacroEb = ExpressionBuilder<DB, 'macros'>;

function usageSince(eb: MacroEb, since: string) {
  return eb
    .selectFrom('macro_usages')
    .select((u) => u.fn.countAll<number | string>().as('n'))
    .whereRef('macro_usages.macro_id', '=', 'macros.id')
    .where('macro_usages.used_at', '>=', since);
}

/** What the actor may list (`access`), as a condition on macros. */
async function visibility(db: Conn, actor: Actor, access: MacroAccessFilter | undefined) {
  const me = actor.user.id;
  const everything = access === 'account' && (await can(db, actor, 'macro:list-personal'));
  const allGroups = await can(db, actor, 'macro:manage', { kind: 'shared' });
  const own = allGroups ? [] : await groupIdsOf(db, me);
  return (eb: MacroEb) => {
    if (access === 'personal') {
      return eb.and([eb('restriction_type', '=', 'User'), eb('owner_id', '=', me)]);
    }
    if (access === 'shared') return eb('restriction_type', 'is', null);
    if (access === 'agents') return eb('restriction_type', '=', 'User');
    if (everything) return eb.lit(true);
    const inGroups = allGroups
      ? eb('restriction_type', '=', 'Group')
      : eb.and([
          eb('restriction_type', '=', 'Group'),
          eb.exists(
            eb
              .selectFrom('macro_groups')
              .select('macro_groups.group_id')
              .whereRef('macro_groups.macro_id', '=', 'macros.id')
              .where('macro_groups.group_id', 'in', own.length > 0 ? own : [0]),
          ),
        ]);
    return eb.or([
      eb('restriction_type', 'is', null),
      eb.and([eb('restriction_type', '=', 'User'), eb('owner_id', '=', me)]),
      inGroups,
    ]);
  };
}

/** The macros `actor` may list under `filter`, with `usage_*` and `title_key` columns. */
export async function listMacros(db: Conn, actor: Actor, filter: MacroFilter, now: Date) {
  await authorize(db, actor, 'macro:use');
  if (filter.access === 'agents') await authorize(db, actor, 'macro:list-personal');
  const access = filter.onlyViewable && filter.access === 'account' ? undefined : filter.access;
  const visible = await visibility(db, actor, access);
  const since = (hours: number) => new Date(now.getTime() - hours * 3_600_000).toISOString();
  let q = db
    .selectFrom('macros')
    .selectAll('macros')
    .select((eb) => [
      usageSince(eb, since(USAGE_WINDOWS.usage_1h)).as('usage_1h'),
      usageSince(eb, since(USAGE_WINDOWS.usage_24h)).as('usage_24h'),
      usageSince(eb, since(USAGE_WINDOWS.usage_7d)).as('usage_7d'),
      usageSince(eb, since(USAGE_WINDOWS.usage_30d)).as('usage_30d'),
      sql<string>`lower(macros.title)`.as('title_key'),
    ])
    .where(visible);
  if (filter.active !== undefined) q = q.where('active', '=', filter.active ? 1 : 0);
  if (filter.category !== undefined) {
    const pattern = likePattern(`${filter.category}${CATEGORY_SEPARATOR}`, true);
    q = q.where(sql<boolean>`macros.title like ${pattern} escape '\\'`);
  }
  if (filter.titleContains !== undefined) {
    const pattern = likePattern(filter.titleContains.toLowerCase(), false);
    q = q.where(sql<boolean>`lower(macros.title) like ${pattern} escape '\\'`);
  }
  if (filter.groupId !== undefined) {
    const groupId = filter.groupId;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('macro_groups')
          .select('macro_groups.group_id')
          .whereRef('macro_groups.macro_id', '=', 'macros.id')
          .where('macro_groups.group_id', '=', groupId),
      ),
    );
  }
  // A subquery, so that the counts are plain columns to sort and page by.
  return db.selectFrom(q.as('m')).selectAll();
}

/** The category of a title: its part before the first `::`, or null. */
export function categoryOf(title: string): string | null {
  const at = title.indexOf(CATEGORY_SEPARATOR);
  if (at <= 0) return null;
  const category = title.slice(0, at).trim();
  return category === '' ? null : category;
}

/** `GET /macros/categories`: the categories of the macros the actor sees, sorted. */
export async function macroCategories(db: Conn, actor: Actor, now: Date): Promise<string[]> {
  const q = await listMacros(db, actor, {}, now);
  const rows = await q.clearSelect().select('title').execute();
  const names = new Set(rows.map((r) => categoryOf(r.title)).filter((c) => c !== null));
  return [...names].sort((a, b) => a.localeCompare(b));
}
