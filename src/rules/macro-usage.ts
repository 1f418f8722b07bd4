import type { AuditEventInput } from '../desk/audits.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { ValidationError } from '../desk/errors.ts';
import type { WriteResult } from '../desk/tickets/write-ticket.ts';
import { macroGroupIds, seesMacro } from './macro-access.ts';

/**
 * Applying a macro and saving is an ordinary ticket update; Zendesk clients name the macros
 * they applied in it (`macro_ids`, older `macro_id`). Each becomes a macro_usages row, which
 * the usage_* counts read, and an `AgentMacroReference` event in the update's audit, as
 * Zendesk's audits show — in the update's transaction, so a refused update records nothing.
 */

/** The macros named, each one the actor may use; a 422 naming `field` for the first not. */
async function usableMacros(db: Conn, actor: Actor, ids: readonly number[], field: string) {
  const unique = [...new Set(ids)];
  const rows =
    unique.length === 0
      ? []
      : await db.selectFrom('macros').selectAll().where('id', 'in', unique).execute();
  const groups = await macroGroupIds(
    db,
    rows.map((r) => r.id),
  );
  for (const id of unique) {
    const macro = rows.find((r) => r.id === id);
    if (!macro || !(await seesMacro(db, actor, macro, groups.get(id) ?? []))) {
      throw ValidationError.field(field, `Macro: no macro you may use has the id ${id}`);
    }
  }
  return unique.map((id) => rows.find((r) => r.id === id)!);
}

/**
 * The update's `alongside` work (update-ticket.ts) for the macros it applied: checks them,
 * records their use and returns their audit events.
 */
export function macroUsageRecorder(
  actor: Actor,
  ids: readonly number[],
  field: 'macro_ids' | 'macro_id',
  now: string,
) {
  return async (trx: Conn, result: WriteResult): Promise<AuditEventInput[]> => {
    const macros = await usableMacros(trx, actor, ids, field);
    if (macros.length === 0) return [];
    await trx
      .insertInto('macro_usages')
      .values(
        macros.map((m) => ({
          macro_id: m.id,
          ticket_id: result.ticket.id,
          user_id: actor.user.id,
          used_at: now,
        })),
      )
      .execute();
    return macros.map((m) => ({
      type: 'AgentMacroReference',
      data: {
        via: { channel: actor.via.channel, source: actor.via.source },
        macro_id: String(m.id),
        macro_title: m.title,
        macro_deleted: false,
      },
    }));
  };
}
