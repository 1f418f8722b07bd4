import { isPostgres } from '../db/dialect.ts';
import { transaction } from '../db/transaction.ts';
import type { User } from '../db/types.ts';
import { writeAudit, writeAuditEvents, type AuditEventInput } from './audits.ts';
import type { Actor, Conn } from './context.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { type DeskEventOf, type DeskEvents, EventsAfterCommit } from './events.ts';
import { verifyPassword } from './passwords.ts';
import { authorize } from './policies/authorize.ts';
import { mirrorPrimary } from './user-identity-values.ts';
import { findUserByEmail, loadUser } from './users.ts';
import { via } from './via.ts';
import { reindexUser } from './search/search-index.ts';

/** Zendesk blocks merging a user who requested more tickets than this. */
export const MERGE_TICKET_LIMIT = 10_000;

const MERGE_VIA = via('merge');

/**
 * Merges end user `sourceId` into end user `targetId` (Zendesk's `PUT /users/{id}/merge`), all
 * in one transaction: identities, requested and submitted tickets, comments, audits, uploads and
 * Slack DM conversations move to the target; the source stays as an inactive row pointing at the target. Each moved
 * ticket gets an audit (via `merge`) recording the requester change; triggers do not run,
 * as in Zendesk.
 */
export async function mergeUsers(
  db: Conn,
  actor: Actor,
  sourceId: number,
  targetId: number,
  now: string,
  bus: DeskEvents,
): Promise<User> {
  const events = new EventsAfterCommit(bus);
  const committed = transaction(db, async (trx) => {
    const run = events.attempt();
    if (sourceId === targetId) {
      throw ValidationError.field('id', 'Id: a user cannot be merged into itself');
    }
    // Lock both rows in id order so two crossing merges cannot deadlock.
    const [first, second] = sourceId < targetId ? [sourceId, targetId] : [targetId, sourceId];
    const locked = new Map<number, User>();
    for (const id of [first, second]) {
      let q = trx.selectFrom('users').selectAll().where('id', '=', id);
      if (isPostgres(trx)) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (row && row.active) locked.set(id, row);
    }
    const source = locked.get(sourceId);
    const target = locked.get(targetId);
    if (!source) throw new NotFoundError('User');
    if (!target) {
      throw ValidationError.field('id', `Id: user ${targetId} does not exist`, 'InvalidValue');
    }
    await authorize(trx, actor, 'user:merge', source);
    if (source.role !== 'end-user' || target.role !== 'end-user') {
      throw ValidationError.field('base', 'Only end users can be merged', 'InvalidValue');
    }
    const requested = await trx
      .selectFrom('tickets')
      .select(['id', 'requester_id', 'submitter_id'])
      .where((eb) =>
        eb.or([eb('requester_id', '=', source.id), eb('submitter_id', '=', source.id)]),
      )
      .orderBy('id')
      .execute();
    if (requested.filter((t) => t.requester_id === source.id).length > MERGE_TICKET_LIMIT) {
      throw ValidationError.field(
        'base',
        `Users who requested more than ${MERGE_TICKET_LIMIT} tickets cannot be merged`,
        'InvalidValue',
      );
    }

    await moveIdentities(trx, source, target, now);

    const moved = await auditMovedTickets(trx, requested, {
      source,
      target,
      actor: actor.user,
      now,
    });
    await moveOwnedRows(trx, source, target, now);
    await trx.deleteFrom('sessions').where('user_id', '=', source.id).execute();
    await trx
      .updateTable('users')
      .set({ active: 0, merged_into_id: target.id, updated_at: now })
      .where('id', '=', source.id)
      .execute();
    await trx.updateTable('users').set({ updated_at: now }).where('id', '=', target.id).execute();
    // The source leaves the index; the target's document gains its identities.
    await reindexUser(trx, source.id);
    await reindexUser(trx, target.id);
    // Told once every moved ticket row is written.
    for (const event of moved) await run?.emit(trx, event);
    return loadUser(trx, target.id);
  });
  return events.publishAfter(committed);
}

/** What the source owned (tickets, comments, audits, uploads, its Slack DM) moves to the target. */
async function moveOwnedRows(trx: Conn, source: User, target: User, now: string): Promise<void> {
  await trx
    .updateTable('tickets')
    .set({ requester_id: target.id, updated_at: now })
    .where('requester_id', '=', source.id)
    .execute();
  await trx
    .updateTable('tickets')
    .set({ submitter_id: target.id, updated_at: now })
    .where('submitter_id', '=', source.id)
    .execute();
  await trx
    .updateTable('comments')
    .set({ author_id: target.id })
    .where('author_id', '=', source.id)
    .execute();
  await trx
    .updateTable('audits')
    .set({ author_id: target.id })
    .where('author_id', '=', source.id)
    .execute();
  await trx
    .updateTable('attachments')
    .set({ uploader_id: target.id })
    .where('uploader_id', '=', source.id)
    .execute();
  // The Slack DM follows the Slack identity: the next message lands on the target's tickets.
  await trx
    .updateTable('slack_conversations')
    .set({ user_id: target.id, updated_at: now })
    .where('user_id', '=', source.id)
    .execute();
  // Users merged into the source earlier now point at where their data went.
  await trx
    .updateTable('users')
    .set({ merged_into_id: target.id })
    .where('merged_into_id', '=', source.id)
    .execute();
}

/**
 * One audit (via `merge`) per ticket the source requested or submitted, recording the change
 * to the target; returns the tickets' `ticket.written` events.
 */
async function auditMovedTickets(
  trx: Conn,
  tickets: { id: number; requester_id: number; submitter_id: number }[],
  merge: { source: User; target: User; actor: User; now: string },
): Promise<DeskEventOf<'ticket.written'>[]> {
  const { source, target, actor, now } = merge;
  const written: DeskEventOf<'ticket.written'>[] = [];
  for (const ticket of tickets) {
    const events: AuditEventInput[] = [];
    const changes: DeskEventOf<'ticket.written'>['changes'] = [];
    for (const field of ['requester_id', 'submitter_id'] as const) {
      if (ticket[field] !== source.id) continue;
      events.push({
        type: 'Change',
        field_name: field,
        value: String(target.id),
        previous_value: String(source.id),
      });
      changes.push({ field, previous: source.id, value: target.id });
    }
    const auditId = await writeAudit(trx, {
      ticketId: ticket.id,
      authorId: actor.id,
      via: MERGE_VIA,
      now,
      metadata: { system: {}, custom: {}, merged_user_id: source.id },
    });
    await writeAuditEvents(trx, auditId, ticket.id, events);
    written.push({
      name: 'ticket.written',
      ticketId: ticket.id,
      auditId,
      created: false,
      changes,
      comments: [],
      actor: { userId: actor.id, via: MERGE_VIA },
      effects: [],
    });
  }
  return written;
}

/**
 * The source's identities join the target as secondary ones; where the target had no identity
 * of a type, the source's primary of that type becomes the target's primary.
 */
async function moveIdentities(trx: Conn, source: User, target: User, now: string): Promise<void> {
  const targetPrimaryTypes = new Set(
    (
      await trx
        .selectFrom('user_identities')
        .select('type')
        .where('user_id', '=', target.id)
        .where('is_primary', '=', 1)
        .execute()
    ).map((r) => r.type),
  );
  const moving = await trx
    .selectFrom('user_identities')
    .selectAll()
    .where('user_id', '=', source.id)
    .orderBy('id')
    .execute();
  for (const identity of moving) {
    const becomesPrimary = identity.is_primary === 1 && !targetPrimaryTypes.has(identity.type);
    await trx
      .updateTable('user_identities')
      .set({ user_id: target.id, is_primary: becomesPrimary ? 1 : 0, updated_at: now })
      .where('id', '=', identity.id)
      .execute();
    if (becomesPrimary) {
      targetPrimaryTypes.add(identity.type);
      await mirrorPrimary(trx, target.id, identity.type, identity.value, now);
    }
  }
}

/**
 * `PUT /users/me/merge`: the signed-in end user merges themselves into another account they
 * prove to own with its email and password (Zendesk's form). Naming a target by id alone is
 * not enough: the merge hands the caller's identities to the target and cannot be undone.
 */
export async function mergeSelfInto(
  db: Conn,
  actor: Actor,
  credentials: { email: string; password: string },
  now: string,
  bus: DeskEvents,
): Promise<User> {
  const target = await findUserByEmail(db, credentials.email);
  const ok =
    !!target &&
    target.active === 1 &&
    (await verifyPassword(credentials.password, target.password_hash));
  if (!ok || !target) {
    throw ValidationError.field(
      'password',
      'Password: email or password is invalid',
      'InvalidValue',
    );
  }
  return mergeUsers(db, actor, actor.user.id, target.id, now, bus);
}
