import type { Automation, Ticket, User } from '../db/types.ts';
import type { Conn } from '../desk/context.ts';
import type { DeskEvents, FiredEffect } from '../desk/events.ts';
import { findSystemUser, systemUser } from '../desk/system-user.ts';
import { fieldsOf } from '../desk/tickets/ticket-fields.ts';
import { NotApplicable, updateTicket } from '../desk/tickets/update-ticket.ts';
import { type Via, via } from '../desk/via.ts';
import { applyActions } from './actions.ts';
import { candidatePage } from './automation-candidates.ts';
import { automationFacts, type FactNeeds, factNeeds } from './automation-facts.ts';
import { type AutomationRule, storedRule } from './automation-rule.ts';
import { matches } from './evaluate.ts';
import { onceOnly } from './nullification.ts';

/**
 * One run of the automations (reference §4), done by the scheduler: each active automation in
 * position order, over the tickets that are not closed, one keyset page at a time. Each change
 * is an ordinary ticket update by the system user, via `rule`/`automation`, so the audit says
 * which automation did it and the triggers run after it like after any update; the
 * automation's notifications and webhooks travel as the update's effects.
 */

export interface RunLog {
  error(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

export interface AutomationRunOptions {
  db: Conn;
  events: DeskEvents;
  log: RunLog;
  now: Date;
  /** Zendesk's "1,000 tickets per hour": tickets one automation may change in one run. */
  maxTicketsPerAutomation?: number;
  /** Tickets read per keyset page. */
  pageSize?: number;
}

export interface AutomationRunResult {
  /** Tickets changed, by automation id. */
  changed: Record<number, number>;
  failed: number;
}

export const MAX_TICKETS_PER_AUTOMATION = 1000;
/** Zendesk: automations update one ticket at most 100 times (the close one excepted). */
export const MAX_UPDATES_PER_TICKET = 100;
const HOUR_MS = 3_600_000;
/** No user's id: `current_user` before the system user exists. */
const NO_USER = -1;

/**
 * The system user the updates are made as: read once, and made only when an automation first
 * changes a ticket (a run with nothing to do adds no user).
 */
interface SystemUser {
  user: User | undefined;
  get(): Promise<User>;
}

interface Running {
  opts: AutomationRunOptions;
  system: SystemUser;
  via: Via;
  automation: Automation;
  rule: AutomationRule;
  needs: FactNeeds;
  /** Its `is N` hours condition fires once in its hour, however often the run comes. */
  once: boolean;
  /** It closes the ticket: not counted against the 100 updates (it can fire only once). */
  closes: boolean;
  effects: FiredEffect[];
}

export async function runAutomations(opts: AutomationRunOptions): Promise<AutomationRunResult> {
  const result: AutomationRunResult = { changed: {}, failed: 0 };
  const active = await opts.db
    .selectFrom('automations')
    .selectAll()
    .where('active', '=', 1)
    .orderBy('position')
    .orderBy('id')
    .execute();
  if (active.length === 0) return result;
  const system: SystemUser = {
    user: await findSystemUser(opts.db),
    async get() {
      return (this.user ??= await systemUser(opts.db, opts.now.toISOString()));
    },
  };
  for (const automation of active) {
    try {
      const running = prepare(opts, system, automation);
      result.changed[automation.id] = await runOne(running, result);
    } catch (err) {
      // An automation that cannot run (a rule the catalogue no longer knows, a database
      // error while paging) does not keep the others from theirs.
      result.failed++;
      opts.log.error({ err, automation: automation.id }, 'automation could not run');
    }
  }
  return result;
}

/** What the actions ask of a ticket: the same for every ticket (tags are added, not set). */
function patchOf(rule: AutomationRule, systemId: number) {
  return applyActions(rule.actions, fieldsOf({} as Ticket), { currentUserId: systemId });
}

function prepare(opts: AutomationRunOptions, system: SystemUser, automation: Automation): Running {
  const rule = storedRule(automation);
  const ruleRef = { kind: 'automation' as const, id: automation.id, title: automation.title };
  const source = { rel: 'automation', from: { id: automation.id, title: automation.title } };
  const applied = patchOf(rule, NO_USER);
  return {
    opts,
    system,
    via: via('rule', source),
    automation,
    rule,
    needs: factNeeds(rule.conditions),
    once: [...rule.conditions.all, ...rule.conditions.any].some(onceOnly),
    closes: applied.patch.status === 'closed',
    effects: applied.effects.map((effect) => ({ rule: ruleRef, effect })),
  };
}

async function runOne(r: Running, result: AutomationRunResult): Promise<number> {
  const { db, now } = r.opts;
  const max = r.opts.maxTicketsPerAutomation ?? MAX_TICKETS_PER_AUTOMATION;
  const pageSize = r.opts.pageSize ?? 500;
  let changed = 0;
  let afterId = 0;
  while (changed < max) {
    const page = await candidatePage(db, r.rule.conditions, now, afterId, pageSize);
    if (page.length === 0) break;
    afterId = page[page.length - 1]!.id;
    for (const ticket of page) {
      if (changed >= max) break;
      try {
        if (await applies(r, db, ticket)) {
          if (await fire(r, ticket.id)) changed++;
        }
      } catch (err) {
        // One ticket that fails does not stop the run; it is tried again at the next one.
        result.failed++;
        r.opts.log.error(
          { err, automation: r.automation.id, ticket: ticket.id },
          'automation failed on a ticket',
        );
      }
    }
    if (page.length < pageSize) break;
  }
  return changed;
}

/** Whether the automation acts on the ticket as it is: its conditions and its limits. */
async function applies(r: Running, db: Conn, ticket: Ticket): Promise<boolean> {
  const actorId = r.system.user?.id ?? NO_USER;
  const facts = await automationFacts(db, ticket, r.opts.now, actorId, r.needs);
  if (!matches(r.rule.conditions, facts)) return false;
  const firings = await db
    .selectFrom('automation_firings')
    .select(['automation_id', 'count', 'last_fired_at'])
    .where('ticket_id', '=', ticket.id)
    .execute();
  if (r.once) {
    const mine = firings.find((f) => f.automation_id === r.automation.id);
    const hourAgo = r.opts.now.getTime() - HOUR_MS;
    if (mine && Date.parse(mine.last_fired_at) > hourAgo) return false;
  }
  const total = firings.reduce((n, f) => n + f.count, 0);
  return r.closes || total < MAX_UPDATES_PER_TICKET;
}

/**
 * The update, with the conditions checked again on the ticket as locked for it (it may have
 * changed since the page was read) and the firing recorded in the same transaction.
 */
async function fire(r: Running, ticketId: number): Promise<boolean> {
  const { db, now, events } = r.opts;
  const at = now.toISOString();
  const user = await r.system.get();
  const { patch } = patchOf(r.rule, user.id);
  try {
    await updateTicket(db, { user, via: r.via }, ticketId, patch, null, at, {
      events,
      effects: r.effects,
      guard: async (trx, before) => {
        if (before.status === 'closed' || !(await applies(r, trx, before))) return false;
        await recordFiring(trx, r.automation.id, ticketId, at);
        return true;
      },
    });
    return true;
  } catch (err) {
    if (err instanceof NotApplicable) return false;
    throw err;
  }
}

async function recordFiring(trx: Conn, automationId: number, ticketId: number, at: string) {
  await trx
    .insertInto('automation_firings')
    .values({ automation_id: automationId, ticket_id: ticketId, count: 1, last_fired_at: at })
    .onConflict((oc) =>
      oc.columns(['ticket_id', 'automation_id']).doUpdateSet((eb) => ({
        count: eb('automation_firings.count', '+', 1),
        last_fired_at: at,
      })),
    )
    .execute();
}
