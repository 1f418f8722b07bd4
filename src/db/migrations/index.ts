import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_core.ts';
import * as m0002 from './0002_slack.ts';
import * as m0003 from './0003_perf_indexes.ts';
import * as m0004 from './0004_deleted_tickets.ts';
import * as m0005 from './0005_ticket_version.ts';
import * as m0006 from './0006_live_ticket_count.ts';
import * as m0007 from './0007_unique_external_ids.ts';
import * as m0010 from './0010_sign_in_throttles.ts';

/** Migrations are listed in code (not read from disk) so the built and the tsx runs agree. */
const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_slack': m0002,
  '0003_perf_indexes': m0003,
  '0004_deleted_tickets': m0004,
  '0005_ticket_version': m0005,
  '0006_live_ticket_count': m0006,
  '0007_unique_external_ids': m0007,
  '0010_sign_in_throttles': m0010,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
