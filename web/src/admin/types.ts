/** The parts of Parley's Slack channel API (/api/v2/slack/…, /api/v2/brands) the admin reads. */
export type ConnectionStatus = 'pending' | 'active' | 'disconnected';
export type ConnectionMode = 'bot' | 'account';

export interface SlackConnection {
  id: number;
  name: string;
  brand_id: number;
  mode: ConnectionMode;
  status: ConnectionStatus;
  status_reason: string | null;
  team_id: string | null;
  team_name: string | null;
  attachments_enabled: boolean;
  allowed_file_types: string[];
  installed_at: string | null;
  /** An install under way until then (possibly held by Slack for a workspace admin's approval). */
  install_pending_until: string | null;
}

export interface Brand {
  id: number;
  name: string;
  /** The brand a connection gets when none is chosen. */
  default?: boolean;
}

export interface ConnectionChanges {
  name?: string;
  brand_id?: number;
  attachments_enabled?: boolean;
  allowed_file_types?: string[];
}
