/**
 * The `parley` command as a person runs it: a real process on a fresh SQLite data directory.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'parley.js');

const dataDirs: string[] = [];
const servers: ChildProcess[] = [];

after(async () => {
  await Promise.all(servers.map(stopServer));
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

function freshDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-cli-'));
  dataDirs.push(dir);
  return dir;
}

/**
 * The environment of someone running Parley by hand: the caller's Parley settings (and the
 * test runner's PostgreSQL) must not leak in, so SQLite in `dataDir` is what the command uses.
 */
function envFor(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PARLEY_') && key !== 'DATABASE_URL' && key !== 'PORT') env[key] = value;
  }
  return { ...env, PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'warn', ...extra };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function parley(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

interface Server {
  base: string;
  output: () => string;
}

/** Spawns `parley start` and resolves once it has printed where it runs. */
async function startServer(dataDir: string): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: envFor(dataDir, { PORT: String(port), HOST: '127.0.0.1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.push(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (/Parley is running at /.test(out)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`parley start exited (${code}):\n${out}${err}`)));
  });
  return { base: `http://127.0.0.1:${port}`, output: () => out };
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines[lines.length - 1]!; // split gives one line at least
}

function basic(credentials: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}

describe('parley CLI', () => {
  it('lists its commands in --help', async () => {
    const res = await parley(['--help'], envFor(freshDataDir()));
    assert.equal(res.code, 0, res.stderr);
    for (const command of ['start', 'migrate', 'admin', 'token']) {
      assert.match(res.stdout, new RegExp(`^\\s+${command}\\b`, 'm'), `${command} in --help`);
    }
  });

  it('migrates a fresh database, then says it is up to date', async () => {
    const env = envFor(freshDataDir());
    const first = await parley(['migrate'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Applied: 0001_core/m);
    const second = await parley(['migrate'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.trim(), 'Database is up to date.');
  });

  it('creates an admin once and refuses the same email again with exit code 1', async () => {
    const env = envFor(freshDataDir());
    const args = ['admin', 'create', '--email', 'Ada@Example.com', '--password', 'correct horse'];
    const first = await parley([...args, '--name', 'Ada Lovelace'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Created admin Ada Lovelace <ada@example\.com>/);
    const again = await parley(
      ['admin', 'create', '--email', 'ada@example.com', '--password', 'another one'],
      env,
    );
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  it('refuses an invalid email or a short password, saying which', async () => {
    const env = envFor(freshDataDir());
    const badEmail = await parley(
      ['admin', 'create', '--email', 'nope', '--password', 'correct horse'],
      env,
    );
    assert.equal(badEmail.code, 1);
    assert.match(badEmail.stderr, /--email must be an email address/);
    const shortPassword = await parley(
      ['admin', 'create', '--email', 'a@example.com', '--password', 'short'],
      env,
    );
    assert.equal(shortPassword.code, 1);
    assert.match(shortPassword.stderr, /--password must be at least 8 characters/);
    const missing = await parley(['admin', 'create', '--email', 'a@example.com'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--password/);
  });

  it('exits 1 listing the bad variable when the environment is invalid', async () => {
    const res = await parley(['migrate'], envFor(freshDataDir(), { PORT: 'abc' }));
    assert.equal(res.code, 1);
    assert.match(res.stderr, /Invalid configuration/);
    assert.match(res.stderr, /^\s+- PORT: /m);
  });

  it('prints a token alone on its last line, and it works against a started server', async () => {
    const dataDir = freshDataDir();
    const env = envFor(dataDir);
    const admin = await parley(
      ['admin', 'create', '--email', 'ops@example.com', '--password', 'correct horse'],
      env,
    );
    assert.equal(admin.code, 0, admin.stderr);
    const created = await parley(['token', 'create', '--description', 'x'], env);
    assert.equal(created.code, 0, created.stderr);
    const token = lastLine(created.stdout);
    assert.match(token, /^\S{20,}$/);

    const server = await startServer(dataDir);
    assert.doesNotMatch(server.output(), /No admin exists yet/);
    const ok = await fetch(`${server.base}/api/v2/tickets`, {
      headers: basic(`ops@example.com/token:${token}`),
    });
    assert.equal(ok.status, 200);
    assert.ok(Array.isArray(((await ok.json()) as any).tickets));
    const wrong = await fetch(`${server.base}/api/v2/tickets`, {
      headers: basic(`ops@example.com/token:${token}x`),
    });
    assert.equal(wrong.status, 401);
    const missingDescription = await parley(['token', 'create', '--description', ' '], env);
    assert.equal(missingDescription.code, 1);
    assert.match(missingDescription.stderr, /--description must not be empty/);
  });

  it('lists tokens without the token itself, and revokes one so a running server refuses it', async () => {
    const dataDir = freshDataDir();
    const env = envFor(dataDir);
    const admin = await parley(
      ['admin', 'create', '--email', 'ops@example.com', '--password', 'correct horse'],
      env,
    );
    assert.equal(admin.code, 0, admin.stderr);
    const kept = lastLine(
      (await parley(['token', 'create', '--description', 'deploy bot'], env)).stdout,
    );
    const old = lastLine(
      (await parley(['token', 'create', '--description', 'old script'], env)).stdout,
    );

    const server = await startServer(dataDir);
    const call = (token: string) =>
      fetch(`${server.base}/api/v2/users/me`, { headers: basic(`ops@example.com/token:${token}`) });
    assert.equal((await call(old)).status, 200);

    const listed = await parley(['token', 'list'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+DESCRIPTION\s+HINT\s+CREATED\s+LAST USED$/m);
    const keptRow = listed.stdout.split('\n').find((l) => l.includes('deploy bot')) ?? '';
    const oldRow = listed.stdout.split('\n').find((l) => l.includes('old script')) ?? '';
    assert.ok(
      keptRow.includes(`${kept.slice(0, 4)}…`) && keptRow.trimEnd().endsWith('never'),
      keptRow,
    );
    assert.match(oldRow, /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (const token of [kept, old]) assert.ok(!listed.stdout.includes(token));

    const oldId = /^(\d+)\s/.exec(oldRow)?.[1];
    const revoked = await parley(['token', 'revoke', String(oldId)], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`Revoked API token ${oldId} \\("old script"\\)`));
    // The server remembers an accepted credential for at most a second.
    let status = 200;
    for (let tries = 0; tries < 50 && status === 200; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await call(old)).status;
    }
    assert.equal(status, 401);
    assert.equal((await call(kept)).status, 200);

    const after = await parley(['token', 'list'], env);
    assert.doesNotMatch(after.stdout, /old script/);
    assert.match(after.stdout, /deploy bot/);
    const again = await parley(['token', 'revoke', String(oldId)], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`No API token has the id ${oldId}`));
    const bad = await parley(['token', 'revoke', 'abc'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /<id> must be a token id/);
  });

  it('says so when there are no API tokens', async () => {
    const res = await parley(['token', 'list'], envFor(freshDataDir()));
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), 'No API tokens.');
  });

  it('starts on an empty data directory, shows how to get in, and /setup works once', async () => {
    const server = await startServer(freshDataDir());
    const out = server.output();
    assert.match(out, /Parley is running at http:\/\/localhost:\d+/);
    assert.match(out, /No admin exists yet/);
    assert.match(out, /parley admin create --email/);
    assert.match(out, /\/setup/);
    const code = /Setup code: (\S+)/.exec(out)?.[1];
    assert.ok(code, 'the setup code is printed');

    const submit = (email: string) =>
      fetch(`${server.base}/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          name: 'First',
          email,
          password: 'correct horse',
          setup_code: code,
        }).toString(),
        redirect: 'manual',
      });
    const first = await submit('first@example.com');
    assert.equal(first.status, 303);
    assert.match(first.headers.get('set-cookie') ?? '', /^parley_session=/);
    const signedIn = await fetch(`${server.base}/api/v2/tickets`, {
      headers: basic('first@example.com:correct horse'),
    });
    assert.equal(signedIn.status, 200);
    const second = await submit('second@example.com');
    assert.equal(second.status, 404);
  });
});
