import {
  createBrand,
  deleteBrand,
  listBrands,
  showBrand,
  updateBrand,
} from '../../../desk/brands.ts';
import { authorize } from '../../../desk/policies/authorize.ts';
import { nowIso } from '../../../desk/time.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { parseWith } from '../../shared/errors.ts';
import { presentBrand } from '../../shared/read-model/presenters.ts';
import { idParam } from '../../shared/schemas/common.ts';
import { createSchema, updateSchema } from './schemas.ts';

/*
 * Writes authorize before reading the path or body, so a caller without the right gets a 403
 * whatever they sent (as from Zendesk); the desk command authorizes again, for every other door.
 */
export const brandRoutes: RoutePlugin = (app, { db, config }) => {
  const base = config.publicUrl;

  // A handful of brands per install: Zendesk lists them whole, with the offset keys for clients.
  app.get('/brands', async (req) => {
    const brands = await listBrands(db, actorOf(req));
    return {
      brands: brands.map((b) => presentBrand(b, base)),
      next_page: null,
      previous_page: null,
      count: brands.length,
    };
  });

  app.get('/brands/:id', async (req) => {
    return { brand: presentBrand(await showBrand(db, actorOf(req), idParam(req.params)), base) };
  });

  app.post('/brands', async (req, reply) => {
    await authorize(db, actorOf(req), 'brand:manage');
    const input = parseWith(createSchema, req.body).brand;
    const brand = presentBrand(await createBrand(db, actorOf(req), input, nowIso()), base);
    reply.status(201).header('location', brand.url);
    return { brand };
  });

  app.put('/brands/:id', async (req) => {
    await authorize(db, actorOf(req), 'brand:manage');
    const brandId = idParam(req.params);
    const input = parseWith(updateSchema, req.body).brand;
    return {
      brand: presentBrand(await updateBrand(db, actorOf(req), brandId, input, nowIso()), base),
    };
  });

  app.delete('/brands/:id', async (req, reply) => {
    await authorize(db, actorOf(req), 'brand:manage');
    await deleteBrand(db, actorOf(req), idParam(req.params));
    return reply.status(204).send();
  });
};
