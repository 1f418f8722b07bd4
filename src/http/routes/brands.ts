import { createBrand, deleteBrand, getBrand, listBrands, updateBrand } from '../../desk/brands.ts';
import { nowIso } from '../../desk/time.ts';
import { requireAdmin, requireAgent } from '../auth.ts';
import { actorOf, type RoutePlugin } from '../context.ts';
import { parseWith } from '../shared/errors.ts';
import { presentBrand } from '../shared/read-model/presenters.ts';
import { idParam } from '../shared/schemas/common.ts';
import { createSchema, updateSchema } from './brands/schemas.ts';

export const brandRoutes: RoutePlugin = (app, { db, config }) => {
  const base = config.publicUrl;

  // A handful of brands per install: Zendesk lists them whole, with the offset keys for clients.
  app.get('/brands', async (req) => {
    requireAgent(actorOf(req));
    const brands = await listBrands(db);
    return {
      brands: brands.map((b) => presentBrand(b, base)),
      next_page: null,
      previous_page: null,
      count: brands.length,
    };
  });

  app.get('/brands/:id', async (req) => {
    requireAgent(actorOf(req));
    return { brand: presentBrand(await getBrand(db, idParam(req.params)), base) };
  });

  app.post('/brands', async (req, reply) => {
    requireAdmin(actorOf(req));
    const input = parseWith(createSchema, req.body).brand;
    const brand = presentBrand(await createBrand(db, input, nowIso()), base);
    reply.status(201).header('location', brand.url);
    return { brand };
  });

  app.put('/brands/:id', async (req) => {
    requireAdmin(actorOf(req));
    const brandId = idParam(req.params);
    const input = parseWith(updateSchema, req.body).brand;
    return { brand: presentBrand(await updateBrand(db, brandId, input, nowIso()), base) };
  });

  app.delete('/brands/:id', async (req, reply) => {
    requireAdmin(actorOf(req));
    await deleteBrand(db, idParam(req.params));
    return reply.status(204).send();
  });
};
