import { transaction } from '../db/transaction.ts';
import type { Brand } from '../db/types.ts';
import type { Actor, Conn } from './context.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { authorize } from './policies/authorize.ts';

export async function getBrand(db: Conn, id: number): Promise<Brand> {
  const brand = await db.selectFrom('brands').selectAll().where('id', '=', id).executeTakeFirst();
  if (!brand) throw new NotFoundError('Brand');
  return brand;
}

export async function defaultBrand(db: Conn): Promise<Brand> {
  const brand = await db
    .selectFrom('brands')
    .selectAll()
    .orderBy('is_default', 'desc')
    .orderBy('id')
    .executeTakeFirst();
  if (!brand) throw new NotFoundError('Brand');
  return brand;
}

/** Every install has one default brand from the first start on. */
export async function ensureDefaultBrand(db: Conn, now: string): Promise<void> {
  const any = await db.selectFrom('brands').select('id').executeTakeFirst();
  if (any) return;
  await db
    .insertInto('brands')
    .values({
      name: 'Parley',
      subdomain: 'support',
      is_default: 1,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

/** `GET /brands`: every brand, for those who may read brands. */
export async function listBrands(db: Conn, actor: Actor): Promise<Brand[]> {
  await authorize(db, actor, 'brand:read');
  return db.selectFrom('brands').selectAll().orderBy('id').execute();
}

/** `GET /brands/{id}`; getBrand is the desk's own, unchecked lookup. */
export async function showBrand(db: Conn, actor: Actor, id: number): Promise<Brand> {
  await authorize(db, actor, 'brand:read');
  return getBrand(db, id);
}

export interface BrandInput {
  name?: string;
  subdomain?: string;
  active?: boolean;
  default?: boolean;
}

// A subdomain is a DNS label: it ends up in host names and URLs.
const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function cleanName(name: string | undefined): string {
  const trimmed = name?.trim() ?? '';
  if (!trimmed) throw ValidationError.field('name', 'Name: cannot be blank', 'BlankValue');
  return trimmed;
}

async function cleanSubdomain(
  db: Conn,
  value: string | undefined,
  exceptId: number | null,
): Promise<string> {
  const subdomain = value?.trim().toLowerCase() ?? '';
  if (!subdomain) {
    throw ValidationError.field('subdomain', 'Subdomain: cannot be blank', 'BlankValue');
  }
  if (!SUBDOMAIN.test(subdomain)) {
    throw ValidationError.field(
      'subdomain',
      'Subdomain: may contain only lowercase letters, digits and hyphens, and may not start or end with a hyphen',
    );
  }
  let q = db.selectFrom('brands').select('id').where('subdomain', '=', subdomain);
  if (exceptId !== null) q = q.where('id', '!=', exceptId);
  if (await q.executeTakeFirst()) {
    throw ValidationError.field('subdomain', 'Subdomain: has already been taken', 'DuplicateValue');
  }
  return subdomain;
}

/** There is exactly one default brand: making one the default takes it from the others. */
async function takeDefault(trx: Conn, id: number, now: string): Promise<void> {
  await trx
    .updateTable('brands')
    .set({ is_default: 0, updated_at: now })
    .where('is_default', '=', 1)
    .where('id', '!=', id)
    .execute();
}

function inactiveDefault(): ValidationError {
  return ValidationError.field('active', 'Active: the default brand cannot be inactive');
}

export async function createBrand(
  db: Conn,
  actor: Actor,
  input: BrandInput,
  now: string,
): Promise<Brand> {
  await authorize(db, actor, 'brand:manage');
  const name = cleanName(input.name);
  return transaction(db, async (trx) => {
    const subdomain = await cleanSubdomain(trx, input.subdomain, null);
    const active = input.active ?? true;
    if (input.default && !active) throw inactiveDefault();
    const brand = await trx
      .insertInto('brands')
      .values({
        name,
        subdomain,
        active: active ? 1 : 0,
        is_default: input.default ? 1 : 0,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (input.default) await takeDefault(trx, brand.id, now);
    return brand;
  });
}

export async function updateBrand(
  db: Conn,
  actor: Actor,
  id: number,
  input: BrandInput,
  now: string,
): Promise<Brand> {
  await authorize(db, actor, 'brand:manage');
  return transaction(db, async (trx) => {
    const brand = await getBrand(trx, id);
    const set: Partial<Brand> = { updated_at: now };
    if (input.name !== undefined) set.name = cleanName(input.name);
    if (input.subdomain !== undefined)
      set.subdomain = await cleanSubdomain(trx, input.subdomain, id);
    if (input.active !== undefined) set.active = input.active ? 1 : 0;
    if (input.default === false && brand.is_default) {
      // Unsetting would leave no default; the way out is to make another brand the default.
      throw ValidationError.field(
        'default',
        'Default: make another brand the default instead of unsetting this one',
      );
    }
    if (input.default === true) set.is_default = 1;
    const willBeDefault = (set.is_default ?? brand.is_default) === 1;
    const willBeActive = (set.active ?? brand.active) === 1;
    if (willBeDefault && !willBeActive) throw inactiveDefault();
    if (input.default === true && !brand.is_default) await takeDefault(trx, id, now);
    return trx
      .updateTable('brands')
      .set(set)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/**
 * Tickets point at their brand for good, and new tickets need a default brand, so neither the
 * default brand nor a brand with tickets can be deleted.
 */
export async function deleteBrand(db: Conn, actor: Actor, id: number): Promise<void> {
  await authorize(db, actor, 'brand:manage');
  await transaction(db, async (trx) => {
    const brand = await getBrand(trx, id);
    if (brand.is_default) {
      throw ValidationError.field('base', 'Brand: the default brand cannot be deleted');
    }
    const ticket = await trx
      .selectFrom('tickets')
      .select('id')
      .where('brand_id', '=', id)
      .limit(1)
      .executeTakeFirst();
    if (ticket) {
      throw ValidationError.field('base', 'Brand: a brand that has tickets cannot be deleted');
    }
    const channel = await trx
      .selectFrom('slack_connections')
      .select('name')
      .where('brand_id', '=', id)
      .limit(1)
      .executeTakeFirst();
    if (channel) {
      throw ValidationError.field(
        'base',
        `Brand: the Slack channel "${channel.name}" uses this brand; move it to another brand first`,
      );
    }
    await trx.deleteFrom('brands').where('id', '=', id).execute();
  });
}
