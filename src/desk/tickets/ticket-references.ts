import type { User } from '../../db/types.ts';
import { type Conn, isAgent } from '../context.ts';
import { ValidationError } from '../errors.ts';
import { sameValue, type TicketFields } from './native-rules.ts';
import { amendPlan, namesOtherAuthor, type TicketWritePlan } from './plan-ticket-write.ts';
import type { CommentInput } from './ticket-input.ts';

/**
 * Users already read during one write, by id. A create checks the requester, the submitter
 * (most often the actor), the assignee and the requester again for its organization; reading
 * each once keeps a create from spending its statements reading the same few rows again.
 */
export type SeenUsers = Map<number, User>;

async function requireUser(db: Conn, id: number, field: string, seen?: SeenUsers): Promise<User> {
  let user = seen?.get(id);
  if (!user) {
    user = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (user) seen?.set(id, user);
  }
  if (!user || !user.active) {
    throw ValidationError.field(field, `${label(field)}: there is no user with id ${id}`);
  }
  return user;
}

function label(field: string): string {
  const name = field.replace(/_id$/, '').replace(/_/g, ' ');
  return name.charAt(0).toUpperCase() + name.slice(1);
}

async function requireRow(
  db: Conn,
  table: 'groups' | 'organizations' | 'brands',
  id: number,
  field: string,
): Promise<void> {
  const row = await db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
  if (!row) throw ValidationError.field(field, `${label(field)}: there is no record with id ${id}`);
}

/** The comment's author when the comment names another user than the actor (see PlanContext). */
export async function resolveAuthor(
  db: Conn,
  comment: CommentInput | null,
  actor: User,
  seen: SeenUsers,
): Promise<User | undefined> {
  if (!comment || !namesOtherAuthor(comment, actor)) return undefined;
  return requireUser(db, comment.author_id!, 'author_id', seen);
}

/** The group Zendesk gives an assignee's ticket that has none, or checks their membership. */
async function assigneeGroup(db: Conn, next: TicketFields, seen: SeenUsers) {
  const assignee = await requireUser(db, next.assignee_id!, 'assignee_id', seen);
  if (!isAgent(assignee)) {
    throw ValidationError.field('assignee_id', 'Assignee: must be an agent');
  }
  const memberships = await db
    .selectFrom('group_memberships')
    .select(['group_id', 'is_default'])
    .where('user_id', '=', assignee.id)
    .execute();
  if (next.group_id === null) {
    return (
      memberships.find((m) => m.is_default)?.group_id ??
      assignee.default_group_id ??
      memberships[0]?.group_id ??
      null
    );
  }
  if (memberships.length > 0 || assignee.role !== 'admin') {
    if (!memberships.some((m) => m.group_id === next.group_id)) {
      throw ValidationError.field(
        'assignee_id',
        'Assignee: is not a member of the group',
        'InvalidValue',
      );
    }
  }
  return next.group_id;
}

/**
 * Checks the plan's references and fills what Zendesk derives: the group from the assignee's
 * default group, the assignee's membership of the group, a new ticket's organization from its
 * requester. Returns the plan amended with what was derived.
 */
export async function resolveReferences(
  db: Conn,
  plan: TicketWritePlan,
  seen: SeenUsers,
  knownBrandId: number | undefined,
): Promise<TicketWritePlan> {
  const { previous: before, next } = plan;
  const changed = (k: keyof TicketFields) => !before || !sameValue(before[k], next[k]);
  const derived: Partial<TicketFields> = {};
  if (changed('requester_id')) await requireUser(db, next.requester_id, 'requester_id', seen);
  if (changed('submitter_id')) await requireUser(db, next.submitter_id, 'submitter_id', seen);
  if (changed('brand_id') && next.brand_id !== knownBrandId) {
    await requireRow(db, 'brands', next.brand_id, 'brand_id');
  }
  if (next.organization_id !== null && changed('organization_id')) {
    await requireRow(db, 'organizations', next.organization_id, 'organization_id');
  }
  if (next.group_id !== null && changed('group_id')) {
    const group = await db
      .selectFrom('groups')
      .select(['id', 'deleted'])
      .where('id', '=', next.group_id)
      .executeTakeFirst();
    if (!group || group.deleted) {
      throw ValidationError.field('group_id', `Group: there is no group with id ${next.group_id}`);
    }
  }
  if (next.assignee_id !== null && (changed('assignee_id') || changed('group_id'))) {
    derived.group_id = await assigneeGroup(db, next, seen);
  }
  if (!before && next.organization_id === null) {
    const requester = await requireUser(db, next.requester_id, 'requester_id', seen);
    derived.organization_id = requester.organization_id;
  }
  return amendPlan(plan, derived);
}
