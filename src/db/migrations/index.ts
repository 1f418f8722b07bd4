import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_core.ts';
import * as m0002 from './0002_slack.ts';
import * as m0003 from './0003_perf_indexes.ts';
import * as m0004 from './0004_deleted_tickets.ts';
import * as m0005 from './0005_ticket_version.ts';
import * as m0006 from './0006_live_ticket_count.ts';
import * as m0007 from './0007_unique_external_ids.ts';
import * as m0008 from './0008_slack_event_failures.ts';
import * as m0009 from './0009_ticket_description_recipient.ts';
import * as m0010 from './0010_sign_in_throttles.ts';
import * as m0011 from './0011_sessions_setup_codes.ts';
import * as m0012 from './0012_slack_install_binding.ts';
import * as m0013 from './0013_paces_and_scheduled_tasks.ts';
import * as m0014 from './0014_upload_expiry.ts';
import * as m0015 from './0015_triggers.ts';
import * as m0016 from './0016_trigger_firing.ts';
import * as m0017 from './0017_views.ts';
import * as m0018 from './0018_automations.ts';
import * as m0019 from './0019_macros.ts';
import * as m0020 from './0020_webhooks.ts';
import * as m0021 from './0021_notifications.ts';
import * as m0022 from './0022_search.ts';
import * as m0023 from './0023_stream_events.ts';
import * as m0024 from './0024_ticket_status_counts.ts';
import * as m0025 from './0025_search_speed.ts';
import * as m0026 from './0026_view_title_placeholders.ts';
import * as m0027 from './0027_tag_counts.ts';
import * as m0028 from './0028_rate_limit_windows.ts';

/** Migrations are listed in code (not read from disk) so the built and the tsx runs agree. */
const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_slack': m0002,
  '0003_perf_indexes': m0003,
  '0004_deleted_tickets': m0004,
  '0005_ticket_version': m0005,
  '0006_live_ticket_count': m0006,
  '0007_unique_external_ids': m0007,
  '0008_slack_event_failures': m0008,
  '0009_ticket_description_recipient': m0009,
  '0010_sign_in_throttles': m0010,
  '0011_sessions_setup_codes': m0011,
  '0012_slack_install_binding': m0012,
  '0013_paces_and_scheduled_tasks': m0013,
  '0014_upload_expiry': m0014,
  '0015_triggers': m0015,
  '0016_trigger_firing': m0016,
  '0017_views': m0017,
  '0018_automations': m0018,
  '0019_macros': m0019,
  '0020_webhooks': m0020,
  '0021_notifications': m0021,
  '0022_search': m0022,
  '0023_stream_events': m0023,
  '0024_ticket_status_counts': m0024,
  '0025_search_speed': m0025,
  '0026_view_title_placeholders': m0026,
  '0027_tag_counts': m0027,
  '0028_rate_limit_windows': m0028,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
