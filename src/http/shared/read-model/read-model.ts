import type { Audit, GroupMembership, Ticket, User } from '../../../db/types.ts';
import type { Actor, Conn } from '../../../desk/context.ts';
import type { WrittenAudit } from '../../../desk/tickets/write-ticket.ts';
import {
  type AuditJson,
  auditPayloads,
  type CommentJson,
  loadAuditPayload,
  presentCommentsById,
} from './audits.ts';
import type { RenderedTickets } from './rendered-tickets.ts';
import {
  commentAuthors,
  type Include,
  membershipSideloads,
  type Sideloads,
  ticketSideloads,
  userSideloads,
} from './sideloads.ts';
import {
  followupIds,
  presentTicket,
  type TicketJson,
  type TicketPageRow,
  type TicketReader,
  ticketReader,
} from './ticket-json.ts';
import { audienceOf } from './ticket-views.ts';

/**
 * How routes show what the desk holds: tickets, comments, audits and the records they point
 * at (`include=` side-loads), each as its reader may see it. Route files validate, call one
 * desk command or query, and hand the rows here; none of them renders a record itself.
 * Tickets go through the rendered-ticket cache, keyed by what the reader may see of them.
 */
export interface ReadModel {
  /** Which tickets a reader may see, and their JSON text as that reader may read it. */
  readonly tickets: TicketReader;
  /** A ticket just written, as its writer may read it. */
  writtenTicket(reader: Actor, ticket: Ticket): Promise<TicketJson>;
  /** `include=users,groups,organizations` for a page of tickets. */
  ticketSideloads(reader: Actor, rows: TicketPageRow[], include: Include): Promise<Sideloads>;
  /** One audit; `written` (from the write itself) saves reading it back. */
  audit(auditId: number, written?: WrittenAudit): Promise<AuditJson | null>;
  audits(rows: Audit[]): Promise<AuditJson[]>;
  /** Comments with their attachments, by id. */
  comments(ids: number[]): Promise<Map<number, CommentJson>>;
  /** The authors of a page of comments (`include=users`), as `reader` may see them. */
  commentAuthors(reader: Actor, rows: { author_id: number }[]): Promise<Sideloads>;
  /** `include=identities,organizations,groups` for users, as agents see them. */
  userSideloads(users: User[], include: Include): Promise<Sideloads>;
  /** `include=users,groups` for group memberships. */
  membershipSideloads(rows: GroupMembership[], include: Include): Promise<Sideloads>;
}

export function readModel(db: Conn, base: string, cache: RenderedTickets): ReadModel {
  return {
    tickets: ticketReader(db, base, cache),
    writtenTicket: async (reader, t) =>
      presentTicket(t, base, {
        followup_ids: (await followupIds(db, [t])).get(t.id) ?? [],
        audience: audienceOf(reader.user),
      }),
    ticketSideloads: (reader, rows, include) => ticketSideloads(db, base, reader, rows, include),
    audit: (auditId, written) => loadAuditPayload(db, auditId, base, written),
    audits: (rows) => auditPayloads(db, rows, base),
    comments: (ids) => presentCommentsById(db, ids, base),
    commentAuthors: (reader, rows) => commentAuthors(db, base, reader, rows),
    userSideloads: (users, include) => userSideloads(db, base, users, include),
    membershipSideloads: (rows, include) => membershipSideloads(db, base, rows, include),
  };
}

export type { AuditJson, CommentJson, Include, Sideloads };
