import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { migrateToLatest, openDatabase } from '../../src/db/index.ts';
import { createTemplateDatabase } from './postgres.ts';

/** Runs every migration on the database at `databaseUrl` (SQLite: a file made if missing). */
async function migrateDatabase(databaseUrl: string): Promise<void> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, PARLEY_DATA_DIR: os.tmpdir() });
  const db = openDatabase(config.database);
  try {
    await migrateToLatest(db);
  } finally {
    // SQLite: closing the last connection checkpoints the WAL into the file and removes it.
    await db.destroy();
  }
}

/** A migrated SQLite file in a folder of its own, removed when the process exits. */
async function migratedSqliteFile(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-template-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'parley.db');
  await migrateDatabase(`sqlite:${file}`);
  return file;
}

/**
 * Migrated databases every test desk starts from as copies, instead of running the 29
 * migrations once per desk (seconds on PostgreSQL, on CI's two cores). `npm test` makes both
 * once for the run (PARLEY_TEST_PG_TEMPLATE, PARLEY_TEST_SQLITE_TEMPLATE); a file run alone
 * makes its own. Parley's start still runs the migrator over the copy, which finds nothing to do.
 */
export async function createMigratedTemplates(
  pgServerUrl: string,
): Promise<{ pgTemplate: string; sqliteFile: string }> {
  const sqliteFile = await migratedSqliteFile();
  const pgTemplate = await createTemplateDatabase(pgServerUrl, migrateDatabase);
  return { pgTemplate, sqliteFile };
}

let ownPgTemplate: Promise<string> | null = null;

export async function postgresTemplate(serverUrl: string): Promise<string> {
  if (process.env.PARLEY_TEST_PG_TEMPLATE) return process.env.PARLEY_TEST_PG_TEMPLATE;
  ownPgTemplate ??= createTemplateDatabase(serverUrl, migrateDatabase);
  return ownPgTemplate;
}

let ownSqliteTemplate: Promise<string> | null = null;

export async function sqliteTemplate(): Promise<string> {
  if (process.env.PARLEY_TEST_SQLITE_TEMPLATE) return process.env.PARLEY_TEST_SQLITE_TEMPLATE;
  ownSqliteTemplate ??= migratedSqliteFile();
  return ownSqliteTemplate;
}
