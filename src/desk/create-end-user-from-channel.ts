import { DEFAULT_LOCALE } from './locale-strings.ts';
import type { User } from '../db/types.ts';
import type { Conn } from './context.ts';
import { type ExternalTeam, organizationForExternalTeam } from './external-team-organization.ts';
import type { IdentityType } from './user-identity-values.ts';
import { createUser, findUserByEmail } from './users.ts';
import { reindexUser } from './search/search-index.ts';

/** A person as a messaging channel's profile describes them. */
export interface ChannelProfile {
  /** The channel's identity for the person (e.g. `slack` + the Slack user id). */
  identity: { type: IdentityType; value: string };
  name: string;
  email: string | null;
  photoUrl: string | null;
  timeZone: string | null;
  locale: string | null;
  /** Set for people from another team: they are marked shared and join its organization. */
  externalTeam: ExternalTeam | null;
  /** What the channel keeps about the person (its ids, display name) in `user_fields`. */
  userFields: Record<string, unknown>;
}

/**
 * The end user behind a channel profile the desk does not know by that identity yet: the user
 * who has the profile's email gains the identity; without one, an end user is created with it.
 * Users carry no audit (creating one through the users API writes none either), so neither
 * does this; the tickets the person then writes are audited with the channel's via.
 *
 * It takes no actor and asks no policy: the channel acts for a person the desk does not know
 * yet, so there is nobody to authorize. Only a channel calls it, once it has verified that the
 * message came from its platform (for Slack, the signed event).
 */
export async function createEndUserFromChannel(
  trx: Conn,
  profile: ChannelProfile,
  now: string,
): Promise<User> {
  let user = profile.email ? await findUserByEmail(trx, profile.email) : undefined;
  if (!user) {
    const team = profile.externalTeam;
    const organizationId = team ? await organizationForExternalTeam(trx, team, now) : null;
    user = await createUser(
      trx,
      {
        name: profile.name,
        email: profile.email,
        role: 'end-user',
        photo_url: profile.photoUrl,
        time_zone: profile.timeZone,
        locale: profile.locale ?? DEFAULT_LOCALE,
        shared: team ? 1 : 0,
        organization_id: organizationId,
        user_fields: JSON.stringify(profile.userFields),
      },
      now,
      // Looked up just above: a second look would open a window for a 422 (see createUser).
      { emailLookedUp: true },
    );
  }
  await trx
    .insertInto('user_identities')
    .values({
      user_id: user.id,
      type: profile.identity.type,
      value: profile.identity.value,
      verified: 1,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await reindexUser(trx, user.id);
  return user;
}
