import { sql } from 'kysely';
import { transaction } from '../db/transaction.ts';
import type { Organization } from '../db/types.ts';
import type { Actor, Conn } from './context.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { authorize } from './policies/authorize.ts';
import { externalIdIs } from './external-ids.ts';
import { normalizeTags } from './tickets/native-rules.ts';
import { parseJson } from './time.ts';

export async function getOrganization(db: Conn, id: number): Promise<Organization> {
  const org = await db
    .selectFrom('organizations')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!org) throw new NotFoundError('Organization');
  return org;
}

export function organizationsQuery(db: Conn) {
  return db.selectFrom('organizations').selectAll();
}

/** Zendesk's organization search matches a name or an external id exactly, ignoring case. */
export function searchOrganizationsQuery(db: Conn, by: { name: string } | { external_id: string }) {
  const q = organizationsQuery(db);
  if ('name' in by) return q.where('name_key', '=', nameKey(by.name));
  return q.where(externalIdIs(by.external_id.trim()));
}

export interface OrganizationInput {
  name?: string;
  external_id?: string | null;
  domain_names?: string[];
  details?: string | null;
  notes?: string | null;
  group_id?: number | null;
  shared_tickets?: boolean;
  shared_comments?: boolean;
  tags?: string[];
  organization_fields?: Record<string, unknown>;
}

/** Organization names are unique regardless of case; `name_key` holds the folded name. */
export function nameKey(name: string): string {
  return name.trim().toLowerCase();
}

const DOMAIN =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

export function normalizeDomains(values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of values) {
    for (const part of raw.split(/[\s,]+/)) {
      const domain = part.trim().toLowerCase().replace(/^@/, '');
      if (!domain) continue;
      if (!DOMAIN.test(domain)) {
        throw ValidationError.field(
          'domain_names',
          `Domain names: ${domain} is not a valid domain name`,
        );
      }
      out.add(domain);
    }
  }
  return [...out];
}

function cleanName(name: string | undefined): string {
  const trimmed = name?.trim() ?? '';
  if (!trimmed) throw ValidationError.field('name', 'Name: cannot be blank', 'BlankValue');
  return trimmed;
}

async function assertNameFree(trx: Conn, name: string, exceptId: number | null): Promise<void> {
  let q = trx.selectFrom('organizations').select('id').where('name_key', '=', nameKey(name));
  if (exceptId !== null) q = q.where('id', '!=', exceptId);
  if (await q.executeTakeFirst()) {
    throw ValidationError.field('name', 'Name: has already been taken', 'DuplicateValue');
  }
}

async function assertExternalIdFree(
  trx: Conn,
  externalId: string,
  exceptId: number | null,
): Promise<void> {
  let q = trx.selectFrom('organizations').select('id').where(externalIdIs(externalId));
  if (exceptId !== null) q = q.where('id', '!=', exceptId);
  if (await q.executeTakeFirst()) {
    throw ValidationError.field(
      'external_id',
      'External id: has already been taken',
      'DuplicateValue',
    );
  }
}

async function assertGroup(trx: Conn, groupId: number): Promise<void> {
  const group = await trx
    .selectFrom('groups')
    .select(['id', 'deleted'])
    .where('id', '=', groupId)
    .executeTakeFirst();
  if (!group || group.deleted) {
    throw ValidationError.field('group_id', `Group: there is no group with id ${groupId}`);
  }
}

/**
 * Makes organization_domains hold exactly `domains` for this organization. A domain belongs
 * to one organization: if another one has it, the write is refused.
 */
async function syncDomains(trx: Conn, orgId: number, domains: string[]): Promise<void> {
  if (domains.length > 0) {
    const taken = await trx
      .selectFrom('organization_domains')
      .select('domain')
      .where('domain', 'in', domains)
      .where('organization_id', '!=', orgId)
      .orderBy('domain')
      .execute();
    if (taken.length > 0) {
      throw ValidationError.field(
        'domain_names',
        `Domain names: ${taken.map((t) => t.domain).join(', ')} already belongs to another organization`,
        'DuplicateValue',
      );
    }
  }
  let drop = trx.deleteFrom('organization_domains').where('organization_id', '=', orgId);
  if (domains.length > 0) drop = drop.where('domain', 'not in', domains);
  await drop.execute();
  const kept = await trx
    .selectFrom('organization_domains')
    .select('domain')
    .where('organization_id', '=', orgId)
    .execute();
  const have = new Set(kept.map((k) => k.domain));
  const add = domains.filter((d) => !have.has(d));
  if (add.length > 0) {
    await trx
      .insertInto('organization_domains')
      .values(add.map((domain) => ({ domain, organization_id: orgId })))
      .execute();
  }
}

/**
 * Zendesk maps users to organizations by email domain: end users who have no organization
 * yet and whose email is at one of the domains join this one. Domains are validated (no `%`
 * or `_`), so each LIKE pattern matches that domain literally.
 */
async function mapUsersByDomain(
  trx: Conn,
  orgId: number,
  domains: string[],
  now: string,
): Promise<void> {
  if (domains.length === 0) return;
  await trx
    .updateTable('users')
    .set({ organization_id: orgId, updated_at: now })
    .where('role', '=', 'end-user')
    .where('organization_id', 'is', null)
    .where('email', 'is not', null)
    .where((eb) => eb.or(domains.map((d) => eb(sql<string>`lower(email)`, 'like', `%@${d}`))))
    .execute();
}

function columnsOf(input: OrganizationInput): Partial<Organization> {
  const out: Partial<Organization> = {};
  if (input.external_id !== undefined) out.external_id = input.external_id?.trim() || null;
  if (input.details !== undefined) out.details = input.details;
  if (input.notes !== undefined) out.notes = input.notes;
  if (input.group_id !== undefined) out.group_id = input.group_id;
  if (input.shared_tickets !== undefined) out.shared_tickets = input.shared_tickets ? 1 : 0;
  if (input.shared_comments !== undefined) out.shared_comments = input.shared_comments ? 1 : 0;
  if (input.tags !== undefined) out.tags = JSON.stringify(normalizeTags(input.tags));
  if (input.organization_fields !== undefined) {
    out.organization_fields = JSON.stringify(input.organization_fields);
  }
  return out;
}

/**
 * `keysLookedUp`: the caller has just looked up the name and external id and found nobody, so
 * they are not looked up again. A racer that commits one of them in between then fails the
 * insert on its unique index, and transaction() runs the caller again, instead of a second look
 * answering 422 for a record the caller would have updated.
 */
async function insertOrganization(
  trx: Conn,
  input: OrganizationInput,
  now: string,
  opts: { keysLookedUp?: boolean } = {},
): Promise<Organization> {
  const name = cleanName(input.name);
  const cols = columnsOf(input);
  if (!opts.keysLookedUp) {
    await assertNameFree(trx, name, null);
    if (cols.external_id) await assertExternalIdFree(trx, cols.external_id, null);
  }
  if (cols.group_id) await assertGroup(trx, cols.group_id);
  const domains = normalizeDomains(input.domain_names ?? []);
  const org = await trx
    .insertInto('organizations')
    .values({
      ...cols,
      name,
      name_key: nameKey(name),
      domain_names: JSON.stringify(domains),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await syncDomains(trx, org.id, domains);
  await mapUsersByDomain(trx, org.id, domains, now);
  return org;
}

async function patchOrganization(
  trx: Conn,
  before: Organization,
  input: OrganizationInput,
  now: string,
): Promise<Organization> {
  const set: Partial<Organization> = { ...columnsOf(input), updated_at: now };
  if (input.name !== undefined) {
    set.name = cleanName(input.name);
    set.name_key = nameKey(set.name);
    await assertNameFree(trx, set.name, before.id);
  }
  if (set.external_id) await assertExternalIdFree(trx, set.external_id, before.id);
  if (set.group_id && set.group_id !== before.group_id) await assertGroup(trx, set.group_id);
  let domains: string[] | null = null;
  if (input.domain_names !== undefined) {
    domains = normalizeDomains(input.domain_names);
    set.domain_names = JSON.stringify(domains);
  }
  const org = await trx
    .updateTable('organizations')
    .set(set)
    .where('id', '=', before.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (domains) {
    await syncDomains(trx, org.id, domains);
    // Only the newly added domains can bring users in; the others already did.
    const previous = new Set(parseJson<string[]>(before.domain_names, []));
    await mapUsersByDomain(
      trx,
      org.id,
      domains.filter((d) => !previous.has(d)),
      now,
    );
  }
  return org;
}

export async function createOrganization(
  db: Conn,
  actor: Actor,
  input: OrganizationInput,
  now: string,
): Promise<Organization> {
  await authorize(db, actor, 'organization:manage');
  return transaction(db, (trx) => insertOrganization(trx, input, now));
}

export async function updateOrganization(
  db: Conn,
  actor: Actor,
  id: number,
  input: OrganizationInput,
  now: string,
): Promise<Organization> {
  await authorize(db, actor, 'organization:manage');
  return transaction(db, async (trx) =>
    patchOrganization(trx, await getOrganization(trx, id), input, now),
  );
}

/**
 * Zendesk's upsert: the organization is found by id, else by external_id, else by name; found
 * ones are updated, otherwise one is created.
 */
export async function createOrUpdateOrganization(
  db: Conn,
  actor: Actor,
  input: OrganizationInput & { id?: number },
  now: string,
): Promise<{ organization: Organization; created: boolean }> {
  await authorize(db, actor, 'organization:manage');
  return transaction(db, async (trx) => {
    const { id, ...fields } = input;
    let found: Organization | undefined;
    if (id !== undefined) found = await getOrganization(trx, id);
    if (!found && fields.external_id?.trim()) {
      found = await searchOrganizationsQuery(trx, { external_id: fields.external_id })
        .orderBy('id')
        .executeTakeFirst();
    }
    if (!found && fields.name?.trim()) {
      found = await searchOrganizationsQuery(trx, { name: fields.name }).executeTakeFirst();
    }
    if (found) {
      return { organization: await patchOrganization(trx, found, fields, now), created: false };
    }
    const organization = await insertOrganization(trx, fields, now, { keysLookedUp: true });
    return { organization, created: true };
  });
}

/**
 * Users and tickets outlive their organization: they just stop pointing at it. (The users FK
 * is ON DELETE SET NULL; tickets' is not, so they are cleared here, before the delete.)
 */
export async function deleteOrganization(
  db: Conn,
  actor: Actor,
  id: number,
  now: string,
): Promise<void> {
  await authorize(db, actor, 'organization:manage');
  return transaction(db, async (trx) => {
    await getOrganization(trx, id);
    await trx
      .updateTable('tickets')
      .set({ organization_id: null })
      .where('organization_id', '=', id)
      .execute();
    await trx
      .updateTable('users')
      .set({ organization_id: null, updated_at: now })
      .where('organization_id', '=', id)
      .execute();
    await trx.deleteFrom('organization_domains').where('organization_id', '=', id).execute();
    await trx.deleteFrom('organizations').where('id', '=', id).execute();
  });
}
