/**
 * The built-in Slack sandbox over HTTP: the Web API subset Parley uses (`/api/{method}`), the
 * external upload URL, authenticated file downloads, the OAuth authorize page, the control API
 * for tests, and the /sandbox page where a person chats as a Slack user.
 *
 * `registerSandbox` mounts it on the host's Fastify app; `startSandboxServer` runs it alone.
 * Body parsing is this plugin's own (raw buffers parsed per content type), so the host app's
 * JSON parser and error handler are untouched.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { type SandboxOptions, SlackSandbox, normalizePrefix } from './sandbox.ts';
import { guardAccess } from './routes/access-gate.ts';
import { parseBodiesAndAnswerErrors } from './routes/bodies-and-errors.ts';
import { controlRoutes } from './routes/control.ts';
import { fileRoutes } from './routes/files.ts';
import { oauthRoutes } from './routes/oauth.ts';
import { attachSocketMode, socketRoutes } from './routes/socket-upgrade.ts';
import { uiRoutes } from './routes/ui.ts';
import { webApiRoutes } from './routes/web-api.ts';

export type { SandboxOptions } from './sandbox.ts';
export { sandboxAppToken } from './sandbox.ts';
export type Sandbox = SlackSandbox;

/** Every surface, each in its own module under routes/. */
async function routes(app: FastifyInstance, sb: SlackSandbox): Promise<void> {
  parseBodiesAndAnswerErrors(app, sb);
  guardAccess(app, sb);
  webApiRoutes(app, sb);
  socketRoutes(app);
  fileRoutes(app, sb);
  oauthRoutes(app, sb);
  controlRoutes(app, sb);
  uiRoutes(app, sb);
}

/**
 * Mounts the sandbox on an existing Fastify app under `opts.prefix` (default `/sandbox`).
 * Closing the app closes the sandbox (pending retries stop, state is flushed).
 */
export async function registerSandbox(
  app: FastifyInstance,
  opts: SandboxOptions,
): Promise<Sandbox> {
  const sb = new SlackSandbox(opts);
  const detach = attachSocketMode(app.server, sb);
  await app.register(
    async (instance) => {
      instance.addHook('onClose', async () => {
        detach();
        await sb.close();
      });
      await routes(instance, sb);
    },
    { prefix: normalizePrefix(opts.prefix ?? '/sandbox') },
  );
  return sb;
}

export interface StandaloneOptions extends Omit<SandboxOptions, 'publicUrl'> {
  /** Defaults to the address it listens on. */
  publicUrl?: string;
  port?: number;
  host?: string;
}

/** Runs the sandbox alone on 127.0.0.1 (port 0 picks a free port). */
export async function startSandboxServer(
  opts: StandaloneOptions,
): Promise<{ url: string; sandbox: Sandbox; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  const sandbox = await registerSandbox(app, {
    ...opts,
    publicUrl: opts.publicUrl ?? 'http://127.0.0.1',
  });
  const address = await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const url = (opts.publicUrl ?? address).replace(/\/+$/, '');
  sandbox.setUrls({ publicUrl: url });
  return {
    url,
    sandbox,
    async close() {
      await sandbox.close();
      await app.close();
    },
  };
}
