import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createFirstAdmin } from '../../src/desk/create-first-admin.ts';
import { createSetupCode } from '../../src/desk/setup-codes.ts';
import { nowIso } from '../../src/desk/time.ts';
import { createLogger } from '../../src/log.ts';
import { firstRunMessage, type Parley, startParley } from '../../src/server.ts';
import { DB_KINDS } from '../helpers/harness.ts';
import { createTestDatabase, startEmbeddedPostgres } from '../helpers/postgres.ts';

/** The harness always creates an admin; setup needs an install that has none. */
async function startEmptyParley(kind: 'sqlite' | 'postgres') {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-setup-'));
  let ownPg: { url: string; stop(): Promise<void> } | null = null;
  let drop: (() => Promise<void>) | null = null;
  let databaseUrl = `sqlite:${path.join(dataDir, 'parley.db')}`;
  if (kind === 'postgres') {
    let server = process.env.PARLEY_TEST_PG_URL;
    if (!server) {
      ownPg = await startEmbeddedPostgres();
      server = ownPg.url;
    }
    const created = await createTestDatabase(server);
    databaseUrl = created.url;
    drop = created.drop;
  }
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    PARLEY_DATA_DIR: dataDir,
    PARLEY_LOG_LEVEL: 'silent',
  });
  const parley = await startParley(config, { logger: createLogger('silent', { pretty: false }) });
  return {
    parley,
    async stop() {
      await parley.close();
      if (drop) await drop();
      if (ownPg) await ownPg.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function form(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  };
}

async function adminCount(parley: Parley): Promise<number> {
  const row = await parley.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

for (const kind of DB_KINDS) {
  describe(`first-run setup [${kind}]`, () => {
    let parley: Parley;
    let stop: () => Promise<void>;
    before(async () => {
      const started = await startEmptyParley(kind);
      parley = started.parley;
      stop = started.stop;
    });
    after(async () => {
      if (stop) await stop();
    });

    it('says Parley is running and links to /setup while no admin exists', async () => {
      const res = await fetch(`${parley.url}/`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /text\/html/);
      const html = await res.text();
      assert.match(html, /Parley is running/);
      assert.match(html, /href="\/setup"/);
      assert.match(html, /setup\s+code/);
    });

    it('serves the setup form, unframeable', async () => {
      const res = await fetch(`${parley.url}/setup`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
      const html = await res.text();
      assert.match(html, /<form method="post" action="\/setup">/);
      for (const name of ['setup_code', 'name', 'email', 'password'])
        assert.match(html, new RegExp(`name="${name}"`));
    });

    it('speaks the browser’s language: Italian pages and form errors for an Italian browser', async () => {
      const italian = { 'accept-language': 'it-IT,it;q=0.9,en;q=0.8' };
      const home = await (await fetch(`${parley.url}/`, { headers: italian })).text();
      assert.match(home, /<html lang="it">/);
      assert.match(home, /Parley è in funzione/);
      assert.match(home, /<a href="\/setup">Crea il primo<\/a>/);
      const setup = await (await fetch(`${parley.url}/setup`, { headers: italian })).text();
      assert.match(setup, /<h1>Benvenuto in Parley<\/h1>/);
      assert.match(setup, /<label>Codice di configurazione<input name="setup_code"/);
      assert.match(setup, /<button type="submit">Crea amministratore<\/button>/);
      // A language Parley does not speak, preferred: the next one it does; none: English.
      const french = { 'accept-language': 'fr-FR, fr;q=0.9, de;q=0.7' };
      assert.match(
        await (await fetch(`${parley.url}/setup`, { headers: french })).text(),
        /Welcome to Parley/,
      );

      const empty = await fetch(
        `${parley.url}/setup`,
        form({ name: '', email: 'nope', password: 'short' }, italian),
      );
      assert.equal(empty.status, 422);
      const errors = await empty.text();
      assert.match(errors, /Inserisci il codice di configurazione/);
      assert.match(errors, /Inserisci il tuo nome/);
      assert.match(errors, /Inserisci un indirizzo email valido/);
      assert.match(errors, /La password deve avere almeno 8 caratteri/);
      const wrong = await fetch(
        `${parley.url}/setup`,
        form(
          {
            setup_code: 'AAAA-BBBB-CCCC',
            name: 'Ada',
            email: 'ada@example.com',
            password: 'correct horse',
          },
          italian,
        ),
      );
      assert.equal(wrong.status, 422);
      assert.match(await wrong.text(), /Il codice di configurazione non è corretto/);
      assert.equal(await adminCount(parley), 0);
    });

    it('prints a one-time setup code at start and keeps only its hash', async () => {
      assert.match(parley.setupCode ?? '', /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
      assert.match(await firstRunMessage(parley), new RegExp(`Setup code: ${parley.setupCode}`));
      const rows = await parley.db.selectFrom('setup_codes').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.doesNotMatch(JSON.stringify(rows), new RegExp(parley.setupCode!.replace(/-/g, '')));
    });

    it('refuses a submission without the setup code, or with a wrong one', async () => {
      const fields = { name: 'Mallory', email: 'mallory@example.com', password: 'let me in now' };
      const missing = await fetch(`${parley.url}/setup`, form(fields));
      assert.equal(missing.status, 422);
      assert.match(await missing.text(), /Enter the setup code/);
      const wrong = await fetch(
        `${parley.url}/setup`,
        form({ ...fields, setup_code: 'AAAA-BBBB-CCCC' }),
      );
      assert.equal(wrong.status, 422);
      const html = await wrong.text();
      assert.match(html, /setup code is not right/);
      assert.doesNotMatch(html, /AAAA-BBBB-CCCC/);
      assert.equal(wrong.headers.get('set-cookie'), null);

      const json = await fetch(`${parley.url}/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...fields, setup_code: 'AAAA-BBBB-CCCC' }),
      });
      assert.equal(json.status, 422);
      const body = (await json.json()) as any;
      assert.equal(body.error, 'RecordInvalid');
      assert.ok(body.details.setup_code);
      assert.equal(await adminCount(parley), 0);
    });

    it('refuses an expired setup code', async () => {
      const code = await createSetupCode(parley.db, new Date(Date.now() - 25 * 3600_000));
      const res = await fetch(
        `${parley.url}/setup`,
        form({
          name: 'Late',
          email: 'late@example.com',
          password: 'correct horse',
          setup_code: code,
        }),
      );
      assert.equal(res.status, 422);
      assert.equal(await adminCount(parley), 0);
    });

    it('refuses the form posted from another site, even with the right code', async () => {
      const fields = {
        name: 'Ada',
        email: 'ada@example.com',
        password: 'correct horse',
        setup_code: parley.setupCode!,
      };
      const res = await fetch(
        `${parley.url}/setup`,
        form(fields, { origin: 'https://evil.example' }),
      );
      assert.equal(res.status, 403);
      assert.match(await res.text(), /Setup refused/);
      const json = await fetch(`${parley.url}/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'null' },
        body: JSON.stringify(fields),
      });
      assert.equal(json.status, 403);
      assert.equal(((await json.json()) as any).error, 'Forbidden');
      assert.equal(await adminCount(parley), 0);
    });

    it('re-renders the form with the problems for a bad form submission', async () => {
      const res = await fetch(
        `${parley.url}/setup`,
        form({
          name: 'Ada <b>',
          email: 'not-an-email',
          password: 'short',
          setup_code: parley.setupCode!,
        }),
      );
      assert.equal(res.status, 422);
      const html = await res.text();
      assert.match(html, /valid email address/);
      assert.match(html, /at least 8 characters/);
      // What the person typed comes back, escaped; the password never does.
      assert.match(html, /value="Ada &lt;b&gt;"/);
      assert.doesNotMatch(html, /value="short"/);
      assert.equal(await adminCount(parley), 0);
    });

    it('answers a bad JSON submission with RecordInvalid', async () => {
      const res = await fetch(`${parley.url}/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'Ada',
          email: 'ada@example.com',
          password: 1234,
          setup_code: parley.setupCode,
        }),
      });
      assert.equal(res.status, 422);
      const body = (await res.json()) as any;
      assert.equal(body.error, 'RecordInvalid');
      assert.ok(body.details.password);
      assert.equal(await adminCount(parley), 0);
    });

    it('creates exactly one admin when two submissions race, and signs that one in', async () => {
      // Another node on the same database printed its own code: both open setup.
      const otherNodesCode = await createSetupCode(parley.db, new Date());
      const [a, b] = await Promise.all([
        fetch(
          `${parley.url}/setup`,
          form(
            {
              name: 'Ada',
              email: 'ada@example.com',
              password: 'correct horse',
              setup_code: parley.setupCode!.toLowerCase(),
            },
            { origin: parley.config.publicUrl },
          ),
        ),
        fetch(
          `${parley.url}/setup`,
          form(
            {
              name: 'Bob',
              email: 'bob@example.com',
              password: 'battery staple',
              setup_code: otherNodesCode,
            },
            { origin: parley.url },
          ),
        ),
      ]);
      const statuses = [a.status, b.status].sort();
      assert.deepEqual(statuses, [303, 404]);
      assert.equal(await adminCount(parley), 1);

      const winner = a.status === 303 ? a : b;
      assert.equal(winner.headers.get('location'), '/');
      const cookie = winner.headers.get('set-cookie')!;
      assert.match(cookie, /^parley_session=[^;]+;/);
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; SameSite=Lax/);
      assert.match(cookie, /; Path=\//);
      assert.doesNotMatch(cookie, /; Secure/);
      const me = await fetch(`${parley.url}/api/v2/tickets`, {
        headers: { cookie: cookie.split(';')[0]! },
      });
      assert.equal(me.status, 200);
    });

    it('is gone once an admin exists, and so are the setup codes', async () => {
      assert.equal((await fetch(`${parley.url}/setup`)).status, 404);
      const again = await fetch(
        `${parley.url}/setup`,
        form({
          name: 'Eve',
          email: 'eve@example.com',
          password: 'let me in now',
          setup_code: parley.setupCode!,
        }),
      );
      assert.equal(again.status, 404);
      assert.equal((await parley.db.selectFrom('setup_codes').selectAll().execute()).length, 0);
      assert.doesNotMatch(await firstRunMessage(parley), /Setup code/);
      assert.equal(await adminCount(parley), 1);
      const home = await (await fetch(`${parley.url}/`)).text();
      assert.doesNotMatch(home, /href="\/setup"/);
      // Once an admin exists, / is the agent workspace (the built web app) to sign in to.
      assert.match(home, /<div id="root">/);
    });

    it('makes no code, and drops any left over, when a node starts with an admin', async () => {
      await createSetupCode(parley.db, new Date());
      const node = await startParley(
        { ...parley.config, port: 0, slack: { ...parley.config.slack, sandbox: false } },
        { logger: createLogger('silent', { pretty: false }) },
      );
      try {
        assert.equal(node.setupCode, null);
        assert.equal((await node.db.selectFrom('setup_codes').selectAll().execute()).length, 0);
        assert.doesNotMatch(await firstRunMessage(node), /setup/i);
      } finally {
        await node.close();
      }
    });
  });
}

for (const kind of DB_KINDS) {
  describe(`createFirstAdmin [${kind}]`, () => {
    let parley: Parley;
    let stop: () => Promise<void>;
    before(async () => {
      const started = await startEmptyParley(kind);
      parley = started.parley;
      stop = started.stop;
    });
    after(async () => {
      if (stop) await stop();
    });

    it('lets only one of many simultaneous calls create an admin', async () => {
      // Open enough pooled connections first, so the calls below start their transactions
      // together instead of one by one as connections get established.
      await Promise.all(
        Array.from({ length: 8 }, () =>
          parley.db.transaction().execute((trx) => trx.selectFrom('users').select('id').execute()),
        ),
      );
      // Pre-hashed, so the calls reach the transaction together instead of after scrypt.
      const created = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          createFirstAdmin(
            parley.db,
            { name: `Admin ${i}`, email: `admin${i}@example.com`, passwordHash: 'x' },
            nowIso(),
          ),
        ),
      );
      assert.equal(created.filter((u) => u !== null).length, 1);
      assert.equal(await adminCount(parley), 1);
    });
  });
}
