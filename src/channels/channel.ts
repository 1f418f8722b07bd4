/**
 * A channel is a plugin: a way for people to reach the help desk (Slack DMs today) that the
 * composition root builds, mounts on the app and starts, and that the HTTP layer never
 * imports. The shape follows bolt-js's `Receiver` (init with the app, start, stop): the
 * transport knows how to get events in and answers out, and changes desk data only through
 * desk commands.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { BlobStore } from '../blobs/index.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import type { Actor } from '../desk/context.ts';
import type { DeskEvents } from '../desk/events.ts';

/**
 * The HTTP layer's sign-in, lent to a channel whose own doors need to know who is at the
 * browser (the Slack install is started and finished in an admin's browser). The channel
 * never sees the session cookie's name, the session rules or the HTTP error types.
 */
export interface ChannelSignIn {
  /**
   * Who sent the request, by its credential: an Authorization header decides alone, else the
   * session cookie. Null when it carries no valid credential; anything else that goes wrong
   * (sign-in throttling, the database) throws.
   */
  caller(req: FastifyRequest): Promise<Actor | null>;
  /**
   * Whose browser session the request's cookie is, by the cookie alone (an Authorization
   * header is not looked at); null without a cookie or when the session is over.
   */
  sessionCaller(req: FastifyRequest): Promise<Actor | null>;
  /** The session cookie's value when the request carries one: a secret, to be hashed. */
  sessionToken(req: FastifyRequest): string | null;
}

/** What the composition root hands a channel: shared services, never HTTP internals. */
export interface ChannelHost {
  db: Db;
  config: Config;
  blobs: BlobStore;
  logger: Logger;
  /** The instance's desk events: a channel's processors (delivery) register here. */
  events: DeskEvents;
  /** This node runs background workers (roles `all` and `worker`): a channel's too. */
  workers: boolean;
  signIn: ChannelSignIn;
}

/**
 * A channel built for a host. Its life: built (its state opened and, on nodes with workers,
 * its workers running), its routes registered on the app, `start()` once the app listens,
 * `stop()` on close.
 */
export interface Channel {
  readonly name: string;
  /**
   * Its admin API, mounted inside the /api/v2 scope: every request there is authenticated
   * (and CSRF-checked) before a handler runs, and answers in Zendesk's error format.
   */
  registerApi(api: FastifyInstance): void;
  /**
   * Its public doors on the app's root, outside /api/v2 (webhooks from the service, OAuth
   * redirects): each checks its own credentials (a signature, a session).
   */
  registerRoutes(app: FastifyInstance): void;
  /** Once the app listens: connections the channel opens outward (Socket Mode). */
  start(): Promise<void>;
  /** First stop taking events, then finish what was taken; after this nothing runs. */
  stop(): Promise<void>;
}
