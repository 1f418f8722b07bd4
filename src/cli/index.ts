import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../config.ts';
import { migrateToLatest, openDatabase } from '../db/index.ts';
import { issueApiToken, listApiTokens, revokeApiToken } from '../desk/api-tokens.ts';
import { ensureDefaultBrand } from '../desk/brands.ts';
import { operatorActor } from '../desk/context.ts';
import { NotFoundError, ValidationError } from '../desk/errors.ts';
import { hashPassword } from '../desk/passwords.ts';
import { nowIso, presentTime } from '../desk/time.ts';
import { createUser, findUserByEmail } from '../desk/users.ts';
import { slackManifest } from '../channels/slack/manifest.ts';
import { firstRunMessage, ROLES, type Role, startParley } from '../server.ts';

class CliError extends Error {}

/** Opens the configured database, migrated, for one command, and closes it afterwards. */
async function withDb<T>(fn: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = openDatabase(config.database);
  try {
    await migrateToLatest(db);
    await ensureDefaultBrand(db, nowIso());
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** Rows under a header, each column as wide as its widest cell. */
function table(header: string[], rows: string[][]): string {
  // Every row has the header's columns; a cell past them gets no padding, as padEnd(undefined).
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((cells) =>
      cells
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const adminInput = z.object({
  email: z.string().email('--email must be an email address'),
  password: z.string().min(8, '--password must be at least 8 characters'),
  name: z.string().min(1).optional(),
});

export function buildCli(): Command {
  const program = new Command('parley')
    .description('Parley: a self-hosted help desk whose first channel is Slack direct messages')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('start')
    .description('run Parley: HTTP API, web app, workers and scheduler, in one process')
    .option('--port <port>', 'port to listen on (overrides PORT)')
    .option(
      '--role <role>',
      'all (default): everything. With PostgreSQL, split across processes: web (HTTP API and ' +
        'Slack events), worker (Slack inbox, deliveries, Socket Mode; serves /healthz only), ' +
        'scheduler (periodic tasks; serves /healthz only)',
      'all',
    )
    .action(async (opts: { port?: string; role: string }) => {
      if (opts.port !== undefined) process.env.PORT = opts.port;
      if (!(ROLES as readonly string[]).includes(opts.role)) {
        throw new CliError(`--role must be one of ${ROLES.join(', ')} (got "${opts.role}")`);
      }
      const config = loadConfig();
      const parley = await startParley(config, { role: opts.role as Role });
      console.log(await firstRunMessage(parley));
      const stop = async (signal: string) => {
        parley.logger.info({ signal }, 'shutting down');
        await parley.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });

  program
    .command('migrate')
    .description('apply database migrations (start does this too)')
    .action(async () => {
      const config = loadConfig();
      const db = openDatabase(config.database);
      try {
        const applied = await migrateToLatest(db);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
      } finally {
        await db.destroy();
      }
    });

  const admin = program.command('admin').description('manage administrators');
  admin
    .command('create')
    .description('create an administrator who can sign in and use the API')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--password <password>', 'password (at least 8 characters)')
    .option('--name <name>', 'display name (defaults to the part of the email before @)')
    .action(async (raw: unknown) => {
      const parsed = adminInput.safeParse(raw);
      if (!parsed.success) throw new CliError(parsed.error.issues.map((i) => i.message).join('\n'));
      const { email, password, name } = parsed.data;
      await withDb(async (db) => {
        if (await findUserByEmail(db, email)) {
          throw new CliError(`A user with the email ${email} already exists.`);
        }
        const user = await createUser(
          db,
          {
            name: name ?? email.split('@')[0]!, // split gives one part at least
            email,
            role: 'admin',
            verified: 1,
            password_hash: await hashPassword(password),
          },
          nowIso(),
        );
        console.log(`Created admin ${user.name} <${user.email}> (id ${user.id}).`);
      });
    });

  const slack = program.command('slack').description('the Slack direct messages channel');
  slack
    .command('manifest')
    .description('print the Slack app manifest to paste into "Create New App → From a manifest"')
    .requiredOption('--url <public url>', "Parley's public https URL, as Slack will reach it")
    .option('--name <name>', 'the app and bot name people see in Slack', 'Parley Help Desk')
    .option('--socket-mode', 'receive events over Socket Mode instead of a public Request URL')
    .action((opts: { url: string; name: string; socketMode?: boolean }) => {
      const url = z.string().url().safeParse(opts.url);
      if (!url.success || !/^https?:\/\//.test(opts.url)) {
        throw new CliError('--url must be an http(s) URL, e.g. https://help.example.com');
      }
      console.log(
        JSON.stringify(
          slackManifest({ publicUrl: opts.url, name: opts.name, socketMode: opts.socketMode }),
          null,
          2,
        ),
      );
    });

  const token = program.command('token').description('manage API tokens');
  token
    .command('create')
    .description('create an API token; use it as Basic "{agent email}/token:{token}"')
    .requiredOption('--description <text>', 'what the token is for')
    .action(async (opts: { description: string }) => {
      if (!opts.description.trim()) throw new CliError('--description must not be empty');
      await withDb(async (db) => {
        // Run at the server's shell: the operator's, not any user's, token.
        const created = await issueApiToken(db, operatorActor, {
          description: opts.description.trim(),
          now: nowIso(),
        });
        console.error(
          `Created API token ${created.id} ("${opts.description.trim()}"). It is shown once:`,
        );
        console.log(created.token);
      });
    });
  token
    .command('list')
    .description('list API tokens: id, description, first characters, created, last used')
    .action(async () => {
      await withDb(async (db) => {
        const tokens = await listApiTokens(db, operatorActor);
        if (tokens.length === 0) {
          console.log('No API tokens.');
          return;
        }
        console.log(
          table(
            ['ID', 'DESCRIPTION', 'HINT', 'CREATED', 'LAST USED'],
            tokens.map((t) => [
              String(t.id),
              t.description,
              `${t.token_hint}…`,
              presentTime(t.created_at) ?? '',
              presentTime(t.last_used_at) ?? 'never',
            ]),
          ),
        );
      });
    });
  token
    .command('revoke')
    .description('revoke an API token for good; requests using it are refused within a second')
    .argument('<id>', 'the token id, as `token list` shows it')
    .action(async (rawId: string) => {
      if (!/^\d{1,9}$/.test(rawId) || Number(rawId) < 1) {
        throw new CliError('<id> must be a token id, a positive whole number');
      }
      await withDb(async (db) => {
        try {
          const revoked = await revokeApiToken(db, operatorActor, Number(rawId));
          console.log(`Revoked API token ${revoked.id} ("${revoked.description}").`);
        } catch (err) {
          if (err instanceof NotFoundError) throw new CliError(`No API token has the id ${rawId}.`);
          throw err;
        }
      });
    });

  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildCli();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return err.exitCode;
    }
    if (err instanceof CliError) console.error(`error: ${err.message}`);
    else if (err instanceof ConfigError) console.error(err.message);
    else if (err instanceof ValidationError) {
      console.error(
        `error: ${Object.values(err.details)
          .flat()
          .map((d) => d.description)
          .join('; ')}`,
      );
    } else console.error(err);
    return 1;
  }
}

const code = await runCli(process.argv.slice(2));
// `start` keeps running; every other command ends here.
if (code !== 0 || !process.argv.slice(2).includes('start')) process.exitCode = code;
