import type { WebClient } from '@slack/web-api';
import type { SlackInboxRow } from '../../../db/types.ts';
import { classify, type SlackEnvelope } from '../classify.ts';
import { connectionClient, type SlackContext } from '../context.ts';
import { mentionedUserIds } from '../format.ts';
import { fetchProfile, fetchTeamName, findSlackUser } from '../requesters.ts';
import { type PassLookups, connectionsFor } from './lookups.ts';
import { prepareFiles } from './prepare-files.ts';
import type { Prepared } from './prepared.ts';
import type { Attempt } from './retries.ts';

/**
 * Preparation: all of an event's network I/O (users.info, team names, mentioned names, file
 * downloads) happens here, outside any transaction.
 */
export class EventPreparer {
  private readonly nameCache = new Map<string, string>();

  constructor(
    private readonly ctx: SlackContext,
    /** The worker's retry bound (DEFAULT_RETRY_BOUND_MS), counted from an event's first try. */
    private readonly boundMs: number,
  ) {}

  async prepare(
    row: SlackInboxRow,
    attempt: Attempt,
    env: SlackEnvelope | null,
    lookups: PassLookups,
  ): Promise<Prepared> {
    const base: Prepared = {
      row,
      attempt,
      connections: [],
      classified: { kind: 'ignore', reason: 'not an event_callback' },
      names: new Map(),
      files: [],
      refused: [],
    };
    if (!env) return base;
    const connections = await connectionsFor(this.ctx.db, lookups, row, env);
    base.connections = connections;
    const connection = connections[0];
    if (!connection) {
      base.classified = {
        kind: 'ignore',
        reason: 'no active connection for this team and identity',
      };
      if (['app_uninstalled', 'tokens_revoked'].includes(env.event.type)) {
        base.classified = classify(env, { identityUserId: null, botId: null });
      }
      return base;
    }
    base.classified = classify(env, {
      identityUserId: connection.identity_user_id,
      botId: connection.bot_id,
    });
    const c = base.classified;
    if (c.kind !== 'message' && c.kind !== 'thread_reply' && c.kind !== 'edit') return base;
    if (connection.status !== 'active') return base;
    // A Web API client is built only for the events that call Slack.
    let built: WebClient | null = null;
    const client = () => (built ??= connectionClient(this.ctx, connection));
    const message = c.message;
    if (message.user && !lookups.knownUsers.has(message.user)) {
      base.profile = await fetchProfile(client(), message.user);
      if (base.profile.teamId && base.profile.teamId !== connection.team_id) {
        base.teamName = await fetchTeamName(client(), base.profile.teamId);
      }
    }
    if (c.kind === 'thread_reply') return base;
    base.names = await this.resolveNames(client, mentionedUserIds(message));
    if (c.kind === 'message' && message.files?.length) {
      await prepareFiles(this.ctx, this.boundMs, base, connection, client(), message.files);
    }
    return base;
  }

  private async resolveNames(client: () => WebClient, ids: string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const id of ids) {
      const cached = this.nameCache.get(id);
      if (cached) {
        names.set(id, cached);
        continue;
      }
      const local = await findSlackUser(this.ctx.db, id);
      let name = local?.name;
      if (!name) {
        try {
          name = (await fetchProfile(client(), id)).name;
        } catch {
          // A mention we cannot resolve stays readable as its id.
          continue;
        }
      }
      this.nameCache.set(id, name);
      names.set(id, name);
    }
    return names;
  }
}
