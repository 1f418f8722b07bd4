import type { FastifyInstance } from 'fastify';
import type { BlobStore } from '../blobs/index.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import type { DeskEvents } from '../desk/events.ts';
import type { SignInLimits } from '../desk/sign-in-throttle.ts';
import type { StreamHub } from '../realtime/hub.ts';
import type { RenderedTickets } from './shared/read-model/rendered-tickets.ts';
import type { WebSession } from './sessions.ts';

/**
 * What the app mounts of a channel. The composition root builds the channels (src/channels,
 * whose `Channel` has this shape) and hands them over here: the HTTP layer never imports one.
 */
export interface MountedChannel {
  readonly name: string;
  /** Its admin API, inside the authenticated /api/v2 scope. */
  registerApi(api: FastifyInstance): void;
  /** Its public doors on the app's root (webhooks, OAuth redirects). */
  registerRoutes(app: FastifyInstance): void;
}

/** What route plugins are given: the composition root builds it once. */
export interface Services {
  db: Db;
  config: Config;
  blobs: BlobStore;
  /** The configured channels (today: Slack), mounted in this order. */
  channels: readonly MountedChannel[];
  /** The instance's desk events: every ticket write a route makes is published there. */
  events: DeskEvents;
  /** Set once start-up work after listening (the sandbox install) is done. */
  readiness: { ready: boolean };
  /** Tickets rendered for the API, shared by every route that shows tickets. */
  renderedTickets: RenderedTickets;
  /** The realtime stream and presence of this node. */
  stream: StreamHub;
  /** Password sign-in throttling; the defaults (DEFAULT_SIGN_IN_LIMITS) unless a test sets its own. */
  signInLimits?: SignInLimits;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The browser session that authenticated the request (null: a token or no one). */
    session: WebSession | null;
  }
  interface FastifyContextConfig {
    /** An /api/v2 route anyone may call, such as signing in: no credentials are asked for. */
    public?: boolean;
  }
}

export type RoutePlugin = (app: FastifyInstance, svc: Services) => void;
