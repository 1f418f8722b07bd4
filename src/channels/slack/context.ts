import type { Logger } from 'pino';
import type { BlobStore } from '../../blobs/index.ts';
import type { Config } from '../../config.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import type { Db } from '../../db/index.ts';
import type { SlackConnection } from '../../db/types.ts';
import type { DeskEvents } from '../../desk/events.ts';
import type { JobSignals } from '../../jobs/signals.ts';
import { type AppCredentials, listApps } from './apps.ts';
import { slackClient } from './client.ts';

/** Everything the Slack channel's pieces share, built once by the composition root. */
export interface SlackContext {
  db: Db;
  box: SecretBox;
  config: Config;
  blobs: BlobStore;
  logger: Logger;
  /** The instance's desk events: the channel's ticket writes are published there. */
  events: DeskEvents;
  /** This instance's job wake-ups: a delivery job enqueued here wakes this instance's worker. */
  jobs: JobSignals;
  apps(): Promise<AppCredentials[]>;
  /** After a change of apps through the API: drops the cache and tells onAppsChanged. */
  forgetApps(): void;
  /** Calls `listener` after every forgetApps; returns the function that stops it. */
  onAppsChanged(listener: () => void): () => void;
}

export function createSlackContext(
  args: Omit<SlackContext, 'apps' | 'forgetApps' | 'onAppsChanged'>,
): SlackContext {
  // Apps change only through the admin API; every signed request needs their secrets.
  let cache: Promise<AppCredentials[]> | null = null;
  const appsChanged = new Set<() => void>();
  return {
    ...args,
    apps() {
      cache ??= listApps(args.db, args.box).catch((err) => {
        cache = null;
        throw err;
      });
      return cache;
    },
    forgetApps() {
      cache = null;
      for (const listener of appsChanged) listener();
    },
    onAppsChanged(listener) {
      appsChanged.add(listener);
      return () => appsChanged.delete(listener);
    },
  };
}

export function connectionToken(ctx: SlackContext, c: SlackConnection): string | null {
  return c.token_enc ? ctx.box.open(c.token_enc) : null;
}

export function connectionClient(ctx: SlackContext, c: SlackConnection) {
  const token = connectionToken(ctx, c);
  if (!token) throw new Error(`Slack connection ${c.id} has no token (status ${c.status})`);
  return slackClient(ctx.config.slack, token);
}
