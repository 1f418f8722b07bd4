import type { Brand } from '../db/types.ts';
import type { Conn } from './context.ts';
import { NotFoundError } from './errors.ts';

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
