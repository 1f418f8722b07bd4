import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type BlobStore, dbBlobStore, fsBlobStore } from './blobs/index.ts';
import type { Config } from './config.ts';
import { type Db, migrateToLatest, openDatabase } from './db/index.ts';
import { ensureDefaultBrand } from './desk/brands.ts';
import { nowIso } from './desk/time.ts';
import { countAdmins } from './desk/users.ts';
import { buildApp } from './http/app.ts';
import { createLogger } from './log.ts';

export interface Parley {
  app: FastifyInstance;
  db: Db;
  blobs: BlobStore;
  config: Config;
  logger: Logger;
  url: string;
  close(): Promise<void>;
}

/** The composition root: database, services, HTTP. Nothing else lives here. */
export async function startParley(
  config: Config,
  opts: { logger?: Logger; listen?: boolean } = {},
): Promise<Parley> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const db = openDatabase(config.database);
  try {
    const applied = await migrateToLatest(db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
    await ensureDefaultBrand(db, nowIso());
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const blobs =
    config.blobStore === 'db' ? dbBlobStore(db) : fsBlobStore(path.join(config.dataDir, 'files'));
  const app = await buildApp({ db, config, blobs }, logger);
  let url = config.publicUrl;
  if (opts.listen !== false) {
    const address = await app.listen({ port: config.port, host: config.host });
    const port = new URL(address).port;
    url = `http://127.0.0.1:${port}`;
  } else {
    await app.ready();
  }
  return {
    app,
    db,
    blobs,
    config,
    logger,
    url,
    async close() {
      await app.close();
      await db.destroy();
    },
  };
}

/** What a person sees in the terminal on start: where Parley is, and how to get in. */
export async function firstRunMessage(parley: Parley): Promise<string> {
  const lines = [`Parley is running at ${parley.config.publicUrl}`];
  if ((await countAdmins(parley.db)) === 0) {
    lines.push(
      '',
      'No admin exists yet. Create one with:',
      '  npx parley admin create --email you@example.com --password <password> --name "Your Name"',
      `or open ${parley.config.publicUrl}/setup in a browser.`,
    );
  }
  return lines.join('\n');
}
