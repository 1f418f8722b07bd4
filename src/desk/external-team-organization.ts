import type { Conn } from './context.ts';
import { externalIdIs } from './external-ids.ts';

/** A team outside the channel's own workspace (e.g. a Slack Connect partner's team). */
export interface ExternalTeam {
  /** The organization's external id, which finds it again. */
  externalId: string;
  name: string;
  /** The name to use when `name` belongs to another organization already. */
  nameIfTaken: string;
  details: string;
}

/** The organization that groups an external team's people: found by external id, or made. */
export async function organizationForExternalTeam(
  trx: Conn,
  team: ExternalTeam,
  now: string,
): Promise<number> {
  const existing = await trx
    .selectFrom('organizations')
    .select('id')
    .where(externalIdIs(team.externalId))
    .executeTakeFirst();
  if (existing) return existing.id;
  let name = team.name;
  const taken = await trx
    .selectFrom('organizations')
    .select('id')
    .where('name_key', '=', name.toLowerCase())
    .executeTakeFirst();
  if (taken) name = team.nameIfTaken;
  const row = await trx
    .insertInto('organizations')
    .values({
      name,
      name_key: name.toLowerCase(),
      external_id: team.externalId,
      details: team.details,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
