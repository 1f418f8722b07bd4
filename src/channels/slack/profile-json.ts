/**
 * `GET /api/v2/users/{id}/slack_profiles`: one entry of `slack_profiles`. The agent workspace
 * imports this declaration type-only (web/src/ticket/panels/types.ts), so the file imports
 * nothing: the web app's type-check and bundle reach no server code through it.
 */

/** A person's Slack profile as the Slack channel recorded it, for the agent workspace. */
export interface RecordedSlackProfile {
  slack_user_id: string;
  display_name: string | null;
  real_name: string | null;
  title: string | null;
  email: string | null;
  avatar_url: string | null;
  time_zone: string | null;
  /** The person's Slack team; `external` for a Slack Connect partner's team. */
  team: { id: string; name: string | null; external: boolean } | null;
  /** The connection whose DM the person last wrote in. */
  connection: { id: number; name: string } | null;
}
